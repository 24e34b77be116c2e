using Kura.Domain.Authorization;
using Kura.Domain.Blobs;
using Kura.Domain.Formats;
using Kura.Domain.Imports;
using Kura.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace Kura.Domain.Images;

/// <summary>
/// The image use cases, one method each: who may do what (reference §1.17), in which status, and in which order
/// metadata and data are written. Stores are the only collaborators; nothing here knows HTTP or SQL. The provider
/// preset's rules (<see cref="ImagePolicy"/>) run at fixed points after Glance's own checks.
/// </summary>
public sealed partial class ImageService(
    IImageStore store,
    IBlobStore blobs,
    ImageDataWriter writer,
    Authorizer authz,
    ImageOptions options,
    ImagePolicy policy,
    TimeProvider clock,
    ILogger<ImageService> logger)
{
    public ImageOptions Options => options;

    public ImagePolicy Policy => policy;

    /// <summary>Creates a queued image from already type-checked fields (reference §1.6).</summary>
    public async Task<Image> CreateAsync(Caller caller, IReadOnlyList<KeyValuePair<string, object?>> fields, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        string? id = null;
        var image = new Image { Id = "pending", CreatedAt = now };
        string? owner = caller.ProjectId;
        var properties = new List<KeyValuePair<string, string>>();

        foreach (var (key, value) in fields)
        {
            if (ImageSchema.LinkKeys.Contains(key))
            {
                throw KuraException.Forbidden($"Attribute '{key}' is read-only.");
            }

            if (ImageSchema.IsReserved(key))
            {
                throw KuraException.Forbidden($"Attribute '{key}' is reserved.");
            }

            if (ImageSchema.Characters(key) > 255)
            {
                throw KuraException.BadRequest($"Property key '{ImageSchema.Prefix(key, 32)}…' is longer than 255 characters.");
            }
        }

        foreach (var (key, value) in fields)
        {
            var rule = ImageSchema.Find(key);
            if (rule is { ReadOnly: true })
            {
                throw KuraException.Forbidden($"Attribute '{key}' is read-only.");
            }

            switch (key)
            {
                case "id": id = ((string)value!).ToLowerInvariant(); break;
                case "name": image.Name = (string?)value; break;
                case "disk_format": image.DiskFormat = (string?)value; break;
                case "container_format": image.ContainerFormat = (string?)value; break;
                case "visibility": image.Visibility = (string)value!; break;
                case "protected": image.Protected = (bool)value!; break;
                case "os_hidden": image.OsHidden = (bool)value!; break;
                case "min_ram": image.MinRam = ImagePatcher.NonNegative(key, (long)value!); break;
                case "min_disk": image.MinDisk = ImagePatcher.NonNegative(key, (long)value!); break;
                case "owner": owner = (string?)value; break;
                case "tags": image.Tags.AddRange(((IEnumerable<string>)value!).Distinct(StringComparer.Ordinal)); break;
                default: properties.Add(new(key, (string?)value ?? string.Empty)); break;
            }
        }

        // Glance's order: add_image (a failure because of another owner says so), then the visibility's own rule.
        var target = Authorizer.ProjectTarget(caller, owner, image.Visibility);
        if (!authz.Check("add_image", caller, target))
        {
            throw KuraException.Forbidden(owner != caller.ProjectId
                ? $"You are not permitted to create images owned by '{owner}'."
                : "You are not authorized to complete add_image action.");
        }

        if (!caller.IsAdmin && owner != caller.ProjectId)
        {
            throw KuraException.Forbidden($"You are not permitted to create images owned by '{owner}'.");
        }

        RequireVisibility(caller, image.Visibility, target);

        CheckQuotas(properties.Count, image.Tags.Count);

        var created = new Image
        {
            Id = id ?? Guid.NewGuid().ToString(),
            CreatedAt = now,
            UpdatedAt = now,
            Name = image.Name,
            DiskFormat = image.DiskFormat,
            ContainerFormat = image.ContainerFormat,
            Visibility = image.Visibility,
            Protected = image.Protected,
            OsHidden = image.OsHidden,
            MinRam = image.MinRam,
            MinDisk = image.MinDisk,
            Owner = owner,
            Tags = image.Tags,
            Properties = properties,
        };

        policy.OnCreate(caller, created);

        if (options.ImageCountQuota > 0 && owner is not null &&
            (await store.GetUsageAsync(owner, ct)).Images is var count && count + 1 > options.ImageCountQuota)
        {
            throw new KuraException(ErrorKind.PayloadTooLarge,
                $"Resource image_count_total is over limit of {options.ImageCountQuota} due to current usage {count} and delta 1");
        }

        if (!await store.TryAddAsync(created, ct))
        {
            throw KuraException.Conflict($"An image with identifier {created.Id} already exists");
        }

        LogCreated(created.Id, created.Owner);
        return created;
    }

    /// <summary>Shows an image; anything the caller may not see is "not found", never "forbidden" (reference §1.7).</summary>
    public async Task<Image> GetAsync(Caller caller, string id, CancellationToken ct) =>
        await FindVisibleAsync(caller, id, ct) ?? throw KuraException.NotFound($"No image found with ID {id}");

    public async Task<ImagePage> ListAsync(Caller caller, ImageListQuery query, CancellationToken ct)
    {
        Require("get_images", caller, Authorizer.ProjectTarget(caller));
        if (query.Limit > Options.MaxListLimit)
        {
            // Glance caps the page silently at its api_limit_max.
            query = query with { Limit = Options.MaxListLimit };
        }

        Image? marker = null;
        if (query.Marker is not null)
        {
            marker = await store.FindAsync(query.Marker, ct)
                ?? throw KuraException.BadRequest($"No image found with ID {query.Marker}");
            if (!await IsVisibleAsync(caller, marker, ct))
            {
                throw KuraException.Forbidden($"Image {query.Marker} is not visible to you.");
            }
        }

        if (query.Limit == 0)
        {
            return new ImagePage([], false);
        }

        var page = await store.ListAsync(query, new ImageVisibilityScope(caller.ProjectId, caller.IsAdmin), marker, ct);
        if (query.IncludeMarker && marker is not null)
        {
            // The marker image first, then the page after it, cut back to the limit.
            return new ImagePage([marker, .. page.Images.Take(query.Limit - 1)], page.Images.Count + 1 >= query.Limit);
        }

        return page;
    }

    /// <summary>Deletes an image and then its data (reference §1.10).</summary>
    public async Task DeleteAsync(Caller caller, string id, CancellationToken ct)
    {
        var image = await FindVisibleAsync(caller, id, ct)
            ?? throw KuraException.NotFound($"Failed to find image {id} to delete");
        Authorize("delete_image", caller, image);
        if (!IsOwnerOrAdmin(caller, image))
        {
            throw KuraException.Forbidden("You are not permitted to delete this image.");
        }

        if (image.Protected)
        {
            throw KuraException.Forbidden($"Image {id} is protected and cannot be deleted.");
        }

        policy.OnDelete(caller, image);

        if (!await store.TryDeleteAsync(id, clock.GetUtcNow(), ct))
        {
            throw KuraException.NotFound($"Failed to find image {id} to delete");
        }

        // Metadata first: once the row is gone nobody can start a download of data we are about to remove. The
        // image is deleted even when the store is away: its data is then the recovery sweep's to remove.
        if (image.Location is not null)
        {
            await blobs.DeleteOrLeaveAsync(image.Location, logger);
        }

        LogDeleted(id, image.Status);
    }

    /// <summary>
    /// Streams image data into the blob store (reference §1.11.1): <c>queued → saving</c> is persisted first, then the
    /// data is written, hashed and inspected in one pass, then <c>saving → active</c>. Any failure, a cancelled
    /// request included, removes the data and puts the image back to <c>queued</c>.
    /// </summary>
    public async Task UploadAsync(Caller caller, string id, Stream body, CancellationToken ct)
    {
        var image = await FindVisibleAsync(caller, id, ct)
            ?? throw KuraException.NotFound($"No image found with ID {id}");
        Authorize("upload_image", caller, image);
        if (!IsOwnerOrAdmin(caller, image))
        {
            throw KuraException.Forbidden("You are not permitted to upload data to this image.");
        }

        var limit = await writer.LimitAsync(image, ct);
        using var claim = await writer.ClaimAsync(image, ImageStatus.Saving, ct);
        LogUploadStarted(id);
        await writer.WriteDataAsync(image, body, limit, ct);
    }

    /// <summary>The bytes <paramref name="owner"/> may store (<see cref="ImageDataWriter.StorageQuotaAsync"/>); null when unlimited.</summary>
    public Task<long?> StorageQuotaAsync(string owner, CancellationToken ct) => writer.StorageQuotaAsync(owner, ct);

    /// <summary>
    /// Opens an image's data for download (reference §1.11.2); null when the image has no data (the API answers 204).
    /// </summary>
    public async Task<Stream?> OpenDataAsync(Caller caller, Image image, ByteRange? range, CancellationToken ct)
    {
        Authorize("download_image", caller, image);
        if (image.Status == ImageStatus.Deactivated && !caller.IsAdmin)
        {
            throw KuraException.Forbidden("The requested image has been deactivated. Image data download is forbidden.");
        }

        policy.OnDownload(caller, image);

        if (!image.HasData)
        {
            return null;
        }

        try
        {
            return await blobs.OpenReadAsync(image.Location!, range, ct);
        }
        catch (BlobNotFoundException)
        {
            throw new KuraException(ErrorKind.ServiceUnavailable, $"Image data of {image.Id} is not available in the store.");
        }
    }

    internal async Task<Image?> FindVisibleAsync(Caller caller, string id, CancellationToken ct)
    {
        if (id.Length > 36)
        {
            return null;
        }

        var image = await store.FindAsync(id, ct);
        return image is not null && await IsVisibleAsync(caller, image, ct) &&
               authz.Check("get_image", caller, Authorizer.ImageTarget(image, MemberOf(caller, image)))
            ? image
            : null;
    }

    /// <summary>
    /// Glance's policy check of <paramref name="rule"/> on an image the caller can see: 403 when it denies, or 404 when
    /// it denies and the caller could not even get the image (Glance hides what a caller may not see).
    /// </summary>
    internal void Authorize(string rule, Caller caller, Image image)
    {
        var target = Authorizer.ImageTarget(image, MemberOf(caller, image));
        if (authz.Check(rule, caller, target))
        {
            return;
        }

        throw rule == "get_image" || !authz.Check("get_image", caller, target)
            ? KuraException.NotFound($"No image found with ID {image.Id}")
            : KuraException.Forbidden($"You are not authorized to complete {rule} action.");
    }

    /// <summary>Glance's check of an action without an image: 403 when <paramref name="rule"/> denies.</summary>
    internal void Require(string rule, Caller caller, IReadOnlyDictionary<string, string?> target)
    {
        if (!authz.Check(rule, caller, target))
        {
            throw KuraException.Forbidden($"You are not authorized to complete {rule} action.");
        }
    }

    /// <summary>Making an image public or community is a rule of its own (publicize_image, communitize_image).</summary>
    private void RequireVisibility(Caller caller, string visibility, IReadOnlyDictionary<string, string?> target)
    {
        if (visibility == ImageVisibility.Public)
        {
            Require("publicize_image", caller, target);
        }
        else if (visibility == ImageVisibility.Community)
        {
            Require("communitize_image", caller, target);
        }
    }

    /// <summary>The caller's project when it sees <paramref name="image"/> as a member (Glance's <c>member_id</c>).</summary>
    private static string? MemberOf(Caller caller, Image image) =>
        image.Visibility == ImageVisibility.Shared && image.Owner != caller.ProjectId ? caller.ProjectId : null;

    /// <summary>Glance's <c>is_image_visible</c>: admins, unowned, public and community images, the owner, and any member.</summary>
    private async Task<bool> IsVisibleAsync(Caller caller, Image image, CancellationToken ct)
    {
        if (caller.IsAdmin || image.Owner is null || image.Owner == caller.ProjectId ||
            image.Visibility is ImageVisibility.Public or ImageVisibility.Community)
        {
            return true;
        }

        return image.Visibility == ImageVisibility.Shared && caller.ProjectId is not null &&
               await store.FindMemberAsync(image.Id, caller.ProjectId, ct) is not null;
    }

    private void CheckQuotas(int properties, int tags)
    {
        if (properties > options.PropertyQuota)
        {
            throw new KuraException(ErrorKind.PayloadTooLarge, $"Maximum number of properties exceeded: {properties} > {options.PropertyQuota}.");
        }

        if (tags > options.TagQuota)
        {
            throw new KuraException(ErrorKind.PayloadTooLarge, $"Maximum number of tags exceeded: {tags} > {options.TagQuota}.");
        }
    }

    internal static bool IsOwnerOrAdmin(Caller caller, Image image) =>
        caller.IsAdmin || (image.Owner is not null && image.Owner == caller.ProjectId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} created for owner {Owner}")]
    private partial void LogCreated(string imageId, string? owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} deleted (was {Status})")]
    private partial void LogDeleted(string imageId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} queued -> saving")]
    private partial void LogUploadStarted(string imageId);



}
