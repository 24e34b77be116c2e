using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>
/// ConoHa: every project has an image-size quota, its own (set with <c>PUT /v2/quota</c>, stored per project) or
/// else <paramref name="defaultBytes"/>. Uploads and imports past it are refused with 413, as Glance does.
/// </summary>
public sealed class ProjectImageSizeQuota(IImageStore store, long defaultBytes) : IImageRule
{
    /// <summary>ConoHa sells image storage in steps of 500 GB on top of the default.</summary>
    public const long StepBytes = 500L << 30;

    public long DefaultBytes => defaultBytes;

    /// <summary>A quota a project may choose: the default plus a whole number of 500 GB steps.</summary>
    public void CheckPlan(long bytes)
    {
        if (bytes < defaultBytes || (bytes - defaultBytes) % StepBytes != 0)
        {
            throw KuraException.BadRequest(
                $"Invalid image_size: it must be {defaultBytes >> 30}GB plus a multiple of {StepBytes >> 30}GB.");
        }
    }

    public async ValueTask<long?> StorageQuotaAsync(string owner, CancellationToken ct) =>
        await store.FindStorageQuotaAsync(owner, ct) ?? defaultBytes;
}
