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

    /// <summary>The member status of <paramref name="projectId"/> on the image, or null if it is not a member.</summary>
    Task<string?> FindMemberStatusAsync(string imageId, string projectId, CancellationToken ct);

    /// <summary>One page of the images visible in <paramref name="scope"/> that match <paramref name="query"/>, after <paramref name="marker"/>.</summary>
    Task<ImagePage> ListAsync(ImageListQuery query, ImageVisibilityScope scope, Image? marker, CancellationToken ct);

    /// <summary>Images in any of <paramref name="statuses"/>, for start-up recovery.</summary>
    Task<IReadOnlyList<Image>> FindByStatusAsync(IReadOnlyCollection<string> statuses, CancellationToken ct);

    /// <summary>Every data location an image still points at, for sweeping orphaned blobs.</summary>
    Task<IReadOnlySet<string>> ListLocationsAsync(CancellationToken ct);
}
