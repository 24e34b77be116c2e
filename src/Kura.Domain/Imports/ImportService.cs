using System.Text.Json;
using Kura.Domain.Blobs;
using Kura.Domain.Cluster;
using Kura.Domain.Images;
using Microsoft.Extensions.Logging;

namespace Kura.Domain.Imports;

/// <summary>Runs work after the request that asked for it has been answered (one implementation per host).</summary>
public interface IImportScheduler
{
    void Schedule(string taskId, Func<CancellationToken, Task> work);
}

/// <summary>
/// Interoperable import (reference §1.12): staging (glance-direct), the import call that answers 202 and creates a
/// task, and the task itself, which streams the staged or downloaded data through the same hashing, inspection and
/// atomic write as an upload. A failed import puts the image back to <c>queued</c> and removes all it wrote.
/// </summary>
public sealed partial class ImportService(
    ImageService images,
    ImageDataWriter writer,
    IImageStore store,
    IBlobStore blobs,
    ITaskStore tasks,
    IWebFetcher fetcher,
    IImportScheduler scheduler,
    ImportOptions options,
    TimeProvider clock,
    ClusterNode node,
    ILogger<ImportService> logger)
{
    /// <summary>The extra property that names an image's running import task, as in Glance.</summary>
    public const string LockProperty = "os_glance_import_task";

    public IReadOnlyList<string> Methods => options.EnabledMethods;

    /// <summary><c>PUT /v2/images/{id}/stage</c>: <c>queued → uploading</c>, data kept aside until the import.</summary>
    public async Task StageAsync(Caller caller, string id, Stream body, CancellationToken ct)
    {
        if (!options.EnabledMethods.Contains("glance-direct"))
        {
            throw KuraException.NotFound("'glance-direct' method is not available at this site.");
        }

        var image = await MutableImageAsync(caller, id, ct);
        var limit = await writer.LimitAsync(image, ct);
        using var claim = await writer.ClaimAsync(image, ImageStatus.Uploading, ct);
        await writer.WriteStagingAsync(image, body, limit, ct);
    }

    /// <summary>
    /// <c>POST /v2/images/{id}/import</c>: validates in Glance's order, creates the task, moves the image to
    /// <c>importing</c> and schedules the work; the caller answers 202 at once.
    /// </summary>
    public async Task<ImageTask> ImportAsync(Caller caller, string id, ImportRequest request, string requestId, CancellationToken ct)
    {
        if (!options.EnabledMethods.Contains(request.Method))
        {
            throw KuraException.BadRequest($"Unknown import method name '{request.Method}'.");
        }

        var image = await images.FindVisibleAsync(caller, id, ct) ?? throw KuraException.NotFound($"Image {id} not found.");
        if (request.Method == "copy-image")
        {
            images.Authorize("copy_image", caller, image);

            if (image.Status != ImageStatus.Active)
            {
                throw KuraException.Conflict($"Image status is '{image.Status}': copy-image needs an active image.");
            }
        }
        else
        {
            CheckImportable(image, request);
            images.Authorize("modify_image", caller, image);
            if (!ImageService.IsOwnerOrAdmin(caller, image))
            {
                throw KuraException.Forbidden("You are not permitted to modify this image.");
            }

            // As Glance's import call: no room left in the owner's storage quota (or less than what is staged) is 413 now,
            // not a failed task later.
            var limit = await writer.LimitAsync(image, ct);
            if (image.Size > limit.Bytes && limit.Quota is { } quota)
            {
                throw ImageDataWriter.QuotaExceeded(quota, limit.Bytes);
            }
        }

        var now = clock.GetUtcNow();
        var task = new ImageTask(Guid.NewGuid().ToString(), "pending", image.Owner ?? caller.ProjectId ?? string.Empty, id, requestId, caller.UserId,
            JsonSerializer.Serialize(new { image_id = id, import_req = JsonDocument.Parse(request.RawJson).RootElement, backend = (string[]?)null }),
            null, string.Empty, now, now, null);

        if (request.Method == "copy-image")
        {
            // A single store already holds the image: the copy is complete as soon as it is asked for.
            await tasks.AddAsync(task with { Status = "success", ResultJson = JsonSerializer.Serialize(new { image_id = id }), ExpiresAt = now + options.TaskTimeToLive }, ct);
            return task;
        }

        var version = image.Version;
        image.MoveTo(ImageStatus.Importing);
        image.Worker = node.Id;
        SetProperty(image, LockProperty, task.Id);
        SetProperty(image, "os_glance_importing_to_stores", string.Empty);
        SetProperty(image, "os_glance_failed_import", string.Empty);
        image.UpdatedAt = now;
        var claim = node.Claim(id); // held until the task ends, on whichever thread runs it
        try
        {
            if (!await store.TryUpdateAsync(image, version, ct))
            {
                throw KuraException.Conflict("Image has active task");
            }

            await tasks.AddAsync(task, ct);
        }
        catch
        {
            claim.Dispose();
            throw;
        }

        scheduler.Schedule(task.Id, async stop =>
        {
            using (claim)
            {
                await RunAsync(task, request, stop);
            }
        });
        LogImportStarted(id, request.Method, task.Id);
        return task;
    }

    public async Task<IReadOnlyList<ImageTask>> ListTasksAsync(Caller caller, string id, CancellationToken ct)
    {
        _ = await images.FindVisibleAsync(caller, id, ct) ?? throw KuraException.NotFound($"Image {id} not found.");
        return await tasks.ListForImageAsync(id, ct);
    }

    private void CheckImportable(Image image, ImportRequest request)
    {
        if (request.Method == "glance-direct" && image.Status != ImageStatus.Uploading)
        {
            throw KuraException.Conflict(image.Status == ImageStatus.Active
                ? "Image with status active cannot be target for import"
                : "Image needs to be staged before 'glance-direct' method can be used");
        }

        if (request.Method == "glance-direct" && image.StagingLocation is null)
        {
            throw KuraException.Conflict("Image needs to be staged before 'glance-direct' method can be used");
        }

        if (request.Method == "web-download")
        {
            if (image.Status != ImageStatus.Queued)
            {
                throw KuraException.Conflict($"Image with status {image.Status} cannot be target for import");
            }

            if (request.Uri is null || !Uri.TryCreate(request.Uri, UriKind.Absolute, out var uri))
            {
                throw KuraException.BadRequest("Import method web-download needs a valid 'uri'.");
            }

            fetcher.Check(uri);
        }

        if (image.ContainerFormat is null)
        {
            throw KuraException.Conflict("'container_format' needs to be set before import");
        }

        if (image.DiskFormat is null)
        {
            throw KuraException.Conflict("'disk_format' needs to be set before import");
        }
    }

    private async Task RunAsync(ImageTask task, ImportRequest request, CancellationToken stop)
    {
        await tasks.UpdateAsync(task = task with { Status = "processing", UpdatedAt = clock.GetUtcNow() }, CancellationToken.None);
        string? staging = null;
        try
        {
            var image = await store.FindAsync(task.ImageId, stop) ?? throw new KuraException(ErrorKind.Gone, "The image was deleted during its import.");
            staging = image.StagingLocation;
            var limit = await writer.LimitAsync(image, stop);
            await using var source = request.Method == "web-download"
                ? await fetcher.OpenAsync(new Uri(request.Uri!), stop)
                : await blobs.OpenReadAsync(staging!, null, stop);
            await writer.WriteDataAsync(image, source, limit, stop, done =>
            {
                done.StagingLocation = null;
                done.Properties.RemoveAll(p => p.Key == LockProperty);
            });
            if (staging is not null)
            {
                await blobs.DeleteOrLeaveAsync(staging, logger);
            }

            await FinishAsync(task with { Status = "success", ResultJson = JsonSerializer.Serialize(new { image_id = task.ImageId }) });
            LogImportFinished(task.ImageId, task.Id);
        }
        catch (Exception ex)
        {
            if (staging is not null)
            {
                await blobs.DeleteOrLeaveAsync(staging, logger);
            }

            await writer.ResetToQueuedAsync(task.ImageId, clearStaging: true);
            var message = ex is KuraException k ? k.Message : stop.IsCancellationRequested ? "The import was interrupted by a shutdown." : ex.Message;
            await FinishAsync(task with { Status = "failure", Message = message });
            LogImportFailed(ex, task.ImageId, task.Id);
        }
    }

    private Task FinishAsync(ImageTask task)
    {
        var now = clock.GetUtcNow();
        return tasks.UpdateAsync(task with { UpdatedAt = now, ExpiresAt = now + options.TaskTimeToLive }, CancellationToken.None);
    }

    private async Task<Image> MutableImageAsync(Caller caller, string id, CancellationToken ct)
    {
        var image = await images.FindVisibleAsync(caller, id, ct) ?? throw KuraException.NotFound($"Image {id} not found.");
        images.Authorize("modify_image", caller, image);
        return ImageService.IsOwnerOrAdmin(caller, image) ? image : throw KuraException.Forbidden("You are not permitted to modify this image.");
    }

    private static void SetProperty(Image image, string key, string value)
    {
        var index = image.Properties.FindIndex(p => p.Key == key);
        if (index >= 0)
        {
            image.Properties[index] = new(key, value);
        }
        else
        {
            image.Properties.Add(new(key, value));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} import by {Method} started as task {TaskId}")]
    private partial void LogImportStarted(string imageId, string method, string taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} imported by task {TaskId}")]
    private partial void LogImportFinished(string imageId, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image {ImageId} import task {TaskId} failed; image back to queued")]
    private partial void LogImportFailed(Exception ex, string imageId, string taskId);
}
