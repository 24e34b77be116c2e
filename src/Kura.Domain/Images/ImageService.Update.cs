using Kura.Domain.Authorization;

namespace Kura.Domain.Images;

/// <summary>Changes to an existing image record: PATCH, tags, deactivate and reactivate.</summary>
public sealed partial class ImageService
{
    private const int UpdateAttempts = 10;

    /// <summary>
    /// Applies a PATCH (reference §1.9): every op is checked, then all are applied in order to one copy of the image,
    /// which is saved once. A concurrent writer makes the save fail its version check; the whole patch is then
    /// re-applied to the fresh image, so no update is lost.
    /// </summary>
    public Task<Image> UpdateAsync(Caller caller, string id, IReadOnlyList<PatchOp> ops, CancellationToken ct)
    {
        ImagePatcher.Precheck(ops);
        return MutateAsync(caller, id, "modify_image", $"No image found with ID {id}", "You are not permitted to modify this image.", image =>
        {
            var visibility = image.Visibility;
            foreach (var op in ops)
            {
                ImagePatcher.Apply(image, op, caller);
            }

            if (image.Visibility != visibility)
            {
                RequireVisibility(caller, image.Visibility, Authorizer.ImageTarget(image));
            }

            CheckQuotas(image.Properties.Count, image.Tags.Count);
            return ops.Count > 0;
        }, ct);
    }

    /// <summary>Adds a tag (a no-op when present); reference §1.14.</summary>
    public Task<Image> AddTagAsync(Caller caller, string id, string tag, CancellationToken ct)
    {
        if (ImageSchema.Characters(tag) > 255)
        {
            throw KuraException.BadRequest($"Provided object does not match schema 'image': '{ImageSchema.Prefix(tag, 16)}…' is too long");
        }

        return MutateAsync(caller, id, "modify_image", $"Image {id} not found.", "You are not permitted to modify tags on this image.", image =>
        {
            if (image.Tags.Contains(tag))
            {
                return false;
            }

            image.Tags.Add(tag);
            CheckQuotas(image.Properties.Count, image.Tags.Count);
            return true;
        }, ct);
    }

    public Task<Image> RemoveTagAsync(Caller caller, string id, string tag, CancellationToken ct) =>
        MutateAsync(caller, id, "modify_image", $"Image {id} not found.", "You are not permitted to modify tags on this image.", image =>
            image.Tags.Remove(tag) ? true : throw KuraException.NotFound($"Tag {tag} not found."), ct);

    /// <summary><c>active → deactivated</c>; already deactivated is a no-op; any other status is 403 (reference §1.15).</summary>
    public Task<Image> DeactivateAsync(Caller caller, string id, CancellationToken ct) =>
        MutateAsync(caller, id, "deactivate", $"Image {id} not found.", "You are not authorized to complete deactivate action.", image =>
        {
            switch (image.Status)
            {
                case ImageStatus.Deactivated:
                    return false;
                case ImageStatus.Active:
                    image.MoveTo(ImageStatus.Deactivated);
                    return true;
                default:
                    throw KuraException.Forbidden($"Not allowed to deactivate image in status '{image.Status}'");
            }
        }, ct);

    /// <summary><c>deactivated → active</c>; already active is a no-op; any other status is 403.</summary>
    public Task<Image> ReactivateAsync(Caller caller, string id, CancellationToken ct) =>
        MutateAsync(caller, id, "reactivate", $"Image {id} not found.", "You are not authorized to complete reactivate action.", image =>
        {
            switch (image.Status)
            {
                case ImageStatus.Active:
                    return false;
                case ImageStatus.Deactivated:
                    image.MoveTo(ImageStatus.Active);
                    return true;
                default:
                    throw KuraException.Forbidden($"Not allowed to reactivate image in status '{image.Status}'");
            }
        }, ct);

    /// <summary>
    /// Loads the image, checks the caller may change it, applies <paramref name="change"/> (which returns whether it
    /// changed anything), lets the preset's rules see the change, and saves with an optimistic version check, retrying on a concurrent write.
    /// </summary>
    private async Task<Image> MutateAsync(Caller caller, string id, string rule, string notFound, string forbidden, Func<Image, bool> change, CancellationToken ct)
    {
        for (var attempt = 0; attempt < UpdateAttempts; attempt++)
        {
            var image = await FindVisibleAsync(caller, id, ct) ?? throw KuraException.NotFound(notFound);
            Authorize(rule, caller, image);
            if (!IsOwnerOrAdmin(caller, image))
            {
                throw KuraException.Forbidden(forbidden);
            }

            var version = image.Version;
            var before = image.Copy();
            if (!change(image))
            {
                return image;
            }

            policy.OnUpdate(caller, before, image);

            image.UpdatedAt = clock.GetUtcNow();
            if (await store.TryUpdateAsync(image, version, ct))
            {
                return image;
            }

            // Lost a race: step back a little, more after each loss, so that writers on several nodes spread out.
            await Task.Delay(Random.Shared.Next(1, 4 * (attempt + 1)), ct);
        }

        throw KuraException.Conflict($"Image {id} was changed by other requests at the same time; try again.");
    }
}
