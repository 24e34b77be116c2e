using Kura.Domain.Authorization;
using Kura.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace Kura.Domain.Images;

/// <summary>A project choosing its own image-size quota (ConoHa's <c>PUT /v2/quota</c>).</summary>
public sealed partial class ImageService
{
    /// <summary>
    /// Sets the caller's project's image-size quota: a plan the preset offers, and never below what the project
    /// already stores. Any role on the project may change it, as any role acts for the project in Glance.
    /// </summary>
    public async Task SetStorageQuotaAsync(Caller caller, long bytes, CancellationToken ct)
    {
        var rule = policy.Rules.OfType<ProjectImageSizeQuota>().FirstOrDefault()
            ?? throw KuraException.NotFound("This cloud has no per-project image-size quota.");
        var owner = caller.ProjectId ?? throw KuraException.Forbidden("The token is not scoped to a project.");
        Require("set_image_size_quota", caller, Authorizer.ProjectTarget(caller));
        rule.CheckPlan(bytes);
        var stored = (await store.GetUsageAsync(owner, ct)).StoredBytes;
        if (bytes < stored)
        {
            throw KuraException.Conflict($"Invalid image_size: the project already stores {stored} bytes of images, more than {bytes} bytes.");
        }

        await store.SetStorageQuotaAsync(owner, bytes, ct);
        LogQuotaSet(owner, bytes);
    }

    /// <summary>Images of every project by status, for the operator's metrics.</summary>
    public Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken ct) => store.CountByStatusAsync(ct);

    /// <summary>What the caller's project stores against its storage quota (the dashboard's usage bar).</summary>
    public async Task<ProjectStorage> StorageOfAsync(Caller caller, CancellationToken ct)
    {
        var usage = await UsageAsync(caller, ct);
        return new ProjectStorage(usage.Images, usage.StoredBytes, usage.StorageQuota);
    }

    /// <summary>
    /// The caller's project's usage and limits, in one place for every dialect (Glance's <c>/v2/info/usage</c>,
    /// ConoHa's <c>/v2/images/total</c>, the dashboard): the storage limit is the one uploads enforce
    /// (<see cref="ImageDataWriter.StorageQuotaAsync"/>), the image count limit <c>Images:ImageCountQuota</c>.
    /// </summary>
    public async Task<ImageUsage> UsageAsync(Caller caller, CancellationToken ct)
    {
        var owner = caller.ProjectId ?? throw KuraException.Forbidden("The token is not scoped to a project.");
        var usage = await store.GetUsageAsync(owner, ct);
        return new ImageUsage(usage.Images, usage.StoredBytes, usage.StagedBytes, usage.Uploading,
            await writer.StorageQuotaAsync(owner, ct), options.ImageCountQuota > 0 ? options.ImageCountQuota : null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId} image-size quota set to {Bytes} bytes")]
    private partial void LogQuotaSet(string projectId, long bytes);
}

/// <summary>A project's images, the bytes their data holds, and its storage quota in bytes (null: unlimited).</summary>
public sealed record ProjectStorage(long Images, long StoredBytes, long? Quota);

/// <summary>A project's usage (images, stored and staged bytes, images being written) and its limits (null: unlimited).</summary>
public sealed record ImageUsage(long Images, long StoredBytes, long StagedBytes, long Uploading, long? StorageQuota, long? ImageCountQuota);
