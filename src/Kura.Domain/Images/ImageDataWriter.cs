using Kura.Domain.Blobs;
using Kura.Domain.Cluster;
using Kura.Domain.Formats;
using Kura.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace Kura.Domain.Images;

/// <summary>
/// How many bytes one write of image data may bring, decided once before the first byte is read: the image size
/// cap, or less when the owner's storage quota has less room left (<see cref="Quota"/> is then that quota, for the
/// 413's message).
/// </summary>
public readonly record struct DataLimit(long Bytes, long? Quota);

/// <summary>
/// The one writer of image data, used by upload, stage and import alike (reference §1.11.1, §1.12): it decides the
/// limit (<see cref="LimitAsync"/>), claims the image for this node with the version read (<see cref="ClaimAsync"/>),
/// streams the data through one counting, hashing and inspecting pass into the blob store, and on any failure,
/// a cancelled request included, removes what it wrote and puts the image back to <c>queued</c>.
/// </summary>
public sealed partial class ImageDataWriter(
    IImageStore store,
    IBlobStore blobs,
    ImageOptions options,
    ImagePolicy policy,
    TimeProvider clock,
    ClusterNode node,
    ILogger<ImageDataWriter> logger)
{
    /// <summary>The blob key of an image's data.</summary>
    public static string DataKey(string imageId) => imageId;

    /// <summary>The blob key of an image's staged data (glance-direct).</summary>
    public static string StagingKey(string imageId) => imageId + ".staging";

    /// <summary>The bytes <paramref name="owner"/> may store: the smaller of <c>Images:StorageQuota</c> and the preset's quota; null when unlimited.</summary>
    public async Task<long?> StorageQuotaAsync(string owner, CancellationToken ct)
    {
        var configured = options.StorageQuota > 0 ? options.StorageQuota : (long?)null;
        var preset = await policy.StorageQuotaAsync(owner, ct);
        return configured is null ? preset : preset is null ? configured : Math.Min(configured.Value, preset.Value);
    }

    /// <summary>
    /// How many bytes a write to <paramref name="image"/> may bring: the size cap, or less when the owner's storage
    /// quota (Glance <c>user_storage_quota</c>, or the preset's per-project quota) has less room left. No room at all
    /// is a 413 before anything is read.
    /// </summary>
    public async Task<DataLimit> LimitAsync(Image image, CancellationToken ct)
    {
        var quota = image.Owner is null ? null : await StorageQuotaAsync(image.Owner, ct);
        if (quota is null)
        {
            return new DataLimit(options.SizeCap, null);
        }

        var remaining = quota.Value - (await store.GetUsageAsync(image.Owner!, ct)).StoredBytes;
        if (remaining <= 0)
        {
            throw QuotaExceeded(quota.Value, remaining);
        }

        return remaining < options.SizeCap ? new DataLimit(remaining, quota) : new DataLimit(options.SizeCap, null);
    }

    /// <summary>The 413 for a write that does not fit what is left of <paramref name="quota"/>.</summary>
    public static KuraException QuotaExceeded(long quota, long remaining) => new(ErrorKind.PayloadTooLarge,
        $"Denying attempt to upload image because it exceeds the quota: the project's storage quota is {quota} bytes and {Math.Max(0, remaining)} bytes remain.");

    /// <summary>
    /// Marks <paramref name="image"/> as this node's data write (<c>queued → saving</c> or <c>uploading</c>) and
    /// persists it with the version read, so that of two concurrent writers exactly one goes on (the other gets 409).
    /// The result, disposed when the write ends, keeps recovery off the image meanwhile.
    /// </summary>
    public async Task<IDisposable> ClaimAsync(Image image, string status, CancellationToken ct)
    {
        var (from, version) = (image.Status, image.Version);
        image.MoveTo(status);
        var claim = node.Claim(image.Id); // before the mark is stored, so that this node's recovery never sees it unclaimed
        image.Worker = node.Id;
        image.UpdatedAt = clock.GetUtcNow();
        if (!await store.TryUpdateAsync(image, version, ct))
        {
            claim.Dispose();
            throw KuraException.Conflict($"Image status transition from {from} to {status} is not allowed: another request changed the image first.");
        }

        return claim;
    }

    /// <summary>
    /// Writes <paramref name="source"/> as the data of <paramref name="image"/> (in status saving or importing),
    /// counting, hashing and inspecting it in one pass, and makes the image active; on any failure deletes what was
    /// written and puts the image back to queued. <paramref name="beforeActivate"/> edits the image in the same update.
    /// </summary>
    public async Task WriteDataAsync(Image image, Stream source, DataLimit limit, CancellationToken ct, Action<Image>? beforeActivate = null)
    {
        var started = clock.GetTimestamp();
        var key = DataKey(image.Id);
        var inspect = image.ContainerFormat == "bare" && image.DiskFormat is not null;
        using var hashing = new HashingReadStream(source, limit.Bytes);
        await using var inspecting = inspect ? new InspectingReadStream(hashing, image.DiskFormat!) : null;
        try
        {
            await blobs.PutAsync(key, inspecting ?? (Stream)hashing, ct);
        }
        catch (Exception ex)
        {
            await blobs.DeleteOrLeaveAsync(key, logger);
            await ResetToQueuedAsync(image.Id, clearStaging: false);
            LogWriteFailed(image.Id, hashing.BytesRead, ex.GetType().Name);
            throw ex switch
            {
                ImageTooLargeException when limit.Quota is { } quota => QuotaExceeded(quota, limit.Bytes - hashing.BytesRead),
                ImageTooLargeException => new KuraException(ErrorKind.PayloadTooLarge, $"Image exceeds the storage quota: the image size cap is {options.SizeCap} bytes."),
                BlobStoreFullException => new KuraException(ErrorKind.PayloadTooLarge, "Image storage media is full: there is not enough space to store the image."),
                ImageFormatException format => KuraException.BadRequest(format.Message),
                BlobStoreUnavailableException => KuraException.ImageStoreUnavailable(),
                _ => ex,
            };
        }

        image.Size = hashing.BytesRead;
        // Glance sets virtual_size only from a format it inspects: an aki, ami, ari or ploop image keeps null.
        image.VirtualSize = DiskFormatInspector.Inspectable.Contains(image.DiskFormat) ? inspecting?.Result?.VirtualSize : null;
        image.Checksum = hashing.Md5Hex;
        image.OsHashAlgo = "sha512";
        image.OsHashValue = hashing.Sha512Hex;
        image.Location = key;
        image.MoveTo(ImageStatus.Active);
        beforeActivate?.Invoke(image);
        image.UpdatedAt = clock.GetUtcNow();
        if (!await store.TryUpdateAsync(image, image.Version, CancellationToken.None))
        {
            await blobs.DeleteOrLeaveAsync(key, logger);
            throw new KuraException(ErrorKind.Gone, $"Image {image.Id} could not be found after upload. The image may have been deleted during the upload.");
        }

        LogWritten(image.Id, image.Size.Value, clock.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// Keeps <paramref name="source"/> aside as the staged data of <paramref name="image"/> (in status uploading)
    /// until its import; on any failure deletes it and puts the image back to queued.
    /// </summary>
    public async Task WriteStagingAsync(Image image, Stream source, DataLimit limit, CancellationToken ct)
    {
        var key = StagingKey(image.Id);
        using var counting = new HashingReadStream(source, limit.Bytes);
        try
        {
            await blobs.PutAsync(key, counting, ct);
        }
        catch (Exception ex)
        {
            await blobs.DeleteOrLeaveAsync(key, logger);
            await ResetToQueuedAsync(image.Id, clearStaging: true);
            LogWriteFailed(image.Id, counting.BytesRead, ex.GetType().Name);
            throw ex switch
            {
                ImageTooLargeException => new KuraException(ErrorKind.PayloadTooLarge, $"The staged data exceeds the limit of {limit.Bytes} bytes."),
                BlobStoreUnavailableException => KuraException.ImageStoreUnavailable(),
                _ => ex,
            };
        }

        image.Size = counting.BytesRead;
        image.StagingLocation = key;
        image.UpdatedAt = clock.GetUtcNow();
        if (!await store.TryUpdateAsync(image, image.Version, CancellationToken.None))
        {
            await blobs.DeleteOrLeaveAsync(key, logger);
            throw new KuraException(ErrorKind.Gone, $"Image {image.Id} could not be found after staging.");
        }

        LogStaged(image.Id, counting.BytesRead);
    }

    /// <summary>
    /// Back to <c>queued</c> from a data write (saving, uploading or importing), and with <paramref name="clearStaging"/>
    /// without staged data or an import lock, whatever the write had reached. Retries a few times when another
    /// update slips in between the read and the write.
    /// </summary>
    public async Task ResetToQueuedAsync(string id, bool clearStaging)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var image = await store.FindAsync(id, CancellationToken.None);
            var resettable = clearStaging
                ? image is { Status: ImageStatus.Uploading or ImageStatus.Importing or ImageStatus.Queued }
                : image is { Status: ImageStatus.Saving or ImageStatus.Importing };
            if (!resettable)
            {
                return;
            }

            var version = image!.Version;
            if (image.Status != ImageStatus.Queued)
            {
                image.MoveTo(ImageStatus.Queued);
            }

            if (clearStaging)
            {
                image.StagingLocation = null;
                image.Properties.RemoveAll(p => p.Key == Imports.ImportService.LockProperty);
            }

            image.UpdatedAt = clock.GetUtcNow();
            if (await store.TryUpdateAsync(image, version, CancellationToken.None))
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} data written, {Bytes} bytes in {DurationMs} ms")]
    private partial void LogWritten(string imageId, long bytes, double durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} staged, {Bytes} bytes")]
    private partial void LogStaged(string imageId, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image {ImageId} data write failed after {Bytes} bytes ({Cause}); image back to queued")]
    private partial void LogWriteFailed(string imageId, long bytes, string cause);
}
