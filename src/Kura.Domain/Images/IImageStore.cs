namespace Kura.Domain.Images;

/// <summary>
/// Image metadata persistence. Implementations translate their database's unique-violation and concurrency
/// outcomes into the results below; they apply no business rules beyond the visibility predicate of
/// <see cref="ListAsync"/>, which must be evaluated in the query for keyset paging to work.
/// </summary>
public interface IImageStore
{
    /// <summary>Inserts a new image; false when the id was ever used (Glance keeps deleted rows, so ids are never reused).</summary>
    Task<bool> TryAddAsync(Image image, CancellationToken ct);

    /// <summary>The image unless it is deleted; null otherwise.</summary>
    Task<Image?> FindAsync(string id, CancellationToken ct);

    /// <summary>
    /// Writes every field of <paramref name="image"/> if the stored version still equals <paramref name="expectedVersion"/>;
    /// bumps <see cref="Image.Version"/> on success. False when another writer got there first or the image is gone.
    /// </summary>
    Task<bool> TryUpdateAsync(Image image, long expectedVersion, CancellationToken ct);

    /// <summary>Marks the image deleted (its row stays so the id is never reused); false if it was already gone.</summary>
    Task<bool> TryDeleteAsync(string id, DateTimeOffset at, CancellationToken ct);

    /// <summary>What <paramref name="owner"/>'s images hold, for quotas and <c>/v2/info/usage</c>.</summary>
    Task<ProjectUsage> GetUsageAsync(string owner, CancellationToken ct);

    /// <summary>The project's own image-size quota in bytes (ConoHa's <c>PUT /v2/quota</c>), or null when none was set.</summary>
    Task<long?> FindStorageQuotaAsync(string owner, CancellationToken ct);

    /// <summary>Sets (inserts or replaces) the project's own image-size quota in bytes.</summary>
    Task SetStorageQuotaAsync(string owner, long bytes, CancellationToken ct);

    /// <summary>Adds a membership; false when the project already is a member of the image.</summary>
    Task<bool> TryAddMemberAsync(ImageMember member, CancellationToken ct);

    /// <summary>The membership of <paramref name="memberId"/> on the image, or null.</summary>
    Task<ImageMember?> FindMemberAsync(string imageId, string memberId, CancellationToken ct);

    Task<IReadOnlyList<ImageMember>> ListMembersAsync(string imageId, CancellationToken ct);

    /// <summary>Writes a membership's status and update time; false if it no longer exists.</summary>
    Task<bool> UpdateMemberAsync(ImageMember member, CancellationToken ct);

    Task<bool> DeleteMemberAsync(string imageId, string memberId, CancellationToken ct);

    /// <summary>One page of the images visible in <paramref name="scope"/> that match <paramref name="query"/>, after <paramref name="marker"/>.</summary>
    Task<ImagePage> ListAsync(ImageListQuery query, ImageVisibilityScope scope, Image? marker, CancellationToken ct);

    /// <summary>
    /// Images whose data a node is writing: status <c>saving</c>, <c>uploading</c> or <c>importing</c> (for recovery,
    /// which asks on every heartbeat; backends answer from a partial index).
    /// </summary>
    Task<IReadOnlyList<Image>> FindInProgressAsync(CancellationToken ct);

    /// <summary>How many images (not deleted) have each status, for <c>/metrics</c>.</summary>
    Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken ct);

    /// <summary>Those of <paramref name="keys"/> that an image still points at as its data or staging location, for
    /// sweeping orphaned blobs a batch at a time.</summary>
    Task<IReadOnlySet<string>> FindReferencedAsync(IReadOnlyCollection<string> keys, CancellationToken ct);
}

/// <summary>A project's images: how many, the bytes of their data, the bytes staged for import, and how many are being written.</summary>
public sealed record ProjectUsage(long Images, long StoredBytes, long StagedBytes, long Uploading);
