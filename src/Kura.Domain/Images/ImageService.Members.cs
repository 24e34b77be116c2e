using Kura.Domain.Authorization;

namespace Kura.Domain.Images;

/// <summary>Image sharing (reference §1.13): the owner adds and removes member projects, a member accepts or rejects.</summary>
public sealed partial class ImageService
{
    public async Task<ImageMember> AddMemberAsync(Caller caller, string imageId, string memberId, CancellationToken ct)
    {
        var image = await SharedImageAsync(caller, imageId, $"Not allowed to create members for image {imageId}.", ct);
        Authorize("add_member", caller, image);
        if (!IsOwnerOrAdmin(caller, image))
        {
            throw KuraException.Forbidden($"Not allowed to create members for image {imageId}.");
        }

        if ((await store.ListMembersAsync(imageId, ct)).Count >= options.MemberQuota)
        {
            throw new KuraException(ErrorKind.PayloadTooLarge, $"Maximum number of image members exceeded: {options.MemberQuota}.");
        }

        var now = clock.GetUtcNow();
        var member = new ImageMember(imageId, memberId, MemberStatus.Pending, now, now);
        return await store.TryAddMemberAsync(member, ct)
            ? member
            : throw KuraException.Conflict($"Member {memberId} already associated with image {imageId}.");
    }

    /// <summary>The owner and admins see every member; a member sees only its own entry.</summary>
    public async Task<IReadOnlyList<ImageMember>> ListMembersAsync(Caller caller, string imageId, CancellationToken ct)
    {
        var image = await SharedImageAsync(caller, imageId, $"Not allowed to list members for image {imageId}: Only shared images have members.", ct);
        Authorize("get_members", caller, image);
        var members = await store.ListMembersAsync(imageId, ct);
        return IsOwnerOrAdmin(caller, image) ? members : members.Where(m => m.MemberId == caller.ProjectId).ToList();
    }

    /// <summary>One membership; whatever the caller may not see is 404 (Glance turns 403 into 404 here).</summary>
    public async Task<ImageMember> GetMemberAsync(Caller caller, string imageId, string memberId, CancellationToken ct)
    {
        var notFound = KuraException.NotFound($"Member {memberId} not found for image {imageId}.");
        var image = await FindVisibleAsync(caller, imageId, ct) ?? throw KuraException.NotFound($"Image {imageId} not found.");
        if (image.Visibility != ImageVisibility.Shared || (!IsOwnerOrAdmin(caller, image) && memberId != caller.ProjectId))
        {
            throw notFound;
        }

        Authorize("get_member", caller, image);

        return await store.FindMemberAsync(imageId, memberId, ct) ?? throw notFound;
    }

    /// <summary>Only the member project itself (or an admin) accepts, rejects or resets a share; the owner may not.</summary>
    public async Task<ImageMember> UpdateMemberAsync(Caller caller, string imageId, string memberId, string status, CancellationToken ct)
    {
        if (!MemberStatus.All.Contains(status))
        {
            throw KuraException.BadRequest("Incorrect request: Status must be \"pending\", \"accepted\" or \"rejected\".");
        }

        var image = await SharedImageAsync(caller, imageId, $"Not allowed to update members for image {imageId}.", ct);
        if (!authz.Check("modify_member", caller, Authorizer.ImageTarget(image, memberId)) && (caller.IsAdmin || memberId == caller.ProjectId))
        {
            throw KuraException.Forbidden("You are not authorized to complete modify_member action.");
        }

        if (!caller.IsAdmin && memberId != caller.ProjectId)
        {
            if (image.Owner == caller.ProjectId)
            {
                throw KuraException.Forbidden($"Not allowed to update members for image {imageId}.");
            }

            throw KuraException.NotFound($"Member {memberId} not found for image {imageId}.");
        }

        var member = await store.FindMemberAsync(imageId, memberId, ct)
            ?? throw KuraException.NotFound($"Member {memberId} not found for image {imageId}.");
        var updated = member with { Status = status, UpdatedAt = clock.GetUtcNow() };
        return await store.UpdateMemberAsync(updated, ct)
            ? updated
            : throw KuraException.NotFound($"Member {memberId} not found for image {imageId}.");
    }

    public async Task RemoveMemberAsync(Caller caller, string imageId, string memberId, CancellationToken ct)
    {
        var image = await SharedImageAsync(caller, imageId, $"Not allowed to delete members for image {imageId}.", ct);
        Authorize("delete_member", caller, image);
        if (!IsOwnerOrAdmin(caller, image))
        {
            throw KuraException.Forbidden($"Not allowed to delete members for image {imageId}.");
        }

        if (!await store.DeleteMemberAsync(imageId, memberId, ct))
        {
            throw KuraException.NotFound($"Member {memberId} not found for image {imageId}.");
        }
    }

    private async Task<Image> SharedImageAsync(Caller caller, string imageId, string notShared, CancellationToken ct)
    {
        var image = await FindVisibleAsync(caller, imageId, ct) ?? throw KuraException.NotFound($"Image {imageId} not found.");
        return image.Visibility == ImageVisibility.Shared ? image : throw KuraException.Forbidden(notShared);
    }
}
