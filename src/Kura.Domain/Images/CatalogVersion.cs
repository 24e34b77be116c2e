namespace Kura.Domain.Images;

/// <summary>
/// Counts writes to the image catalogue (images, their properties, tags and members) so that a node that is the
/// catalogue's only writer can reuse what it read: a result computed while the catalogue was quiet, and unchanged
/// until the read ended, stays exact for as long as <see cref="TryGetQuiet"/> returns the same version.
/// Every write increments <c>started</c> before it touches the store and <c>finished</c> after it, success or not.
/// With several nodes on one database (<see cref="Shared"/>), writes elsewhere are invisible here, so the catalogue
/// never counts as quiet and nothing is reused.
/// </summary>
public sealed class CatalogVersion(bool shared)
{
    private long _started;
    private long _finished;

    public bool Shared { get; } = shared;

    /// <summary>The current version, if no write is under way and this node is the only writer.</summary>
    public bool TryGetQuiet(out long version)
    {
        // finished first: if started then equals it, nothing was in flight when finished was read, and nothing
        // started since.
        var finished = Volatile.Read(ref _finished);
        version = Volatile.Read(ref _started);
        return !Shared && version == finished;
    }

    /// <summary>True when no write has started since <see cref="TryGetQuiet"/> gave <paramref name="version"/>.</summary>
    public bool IsStill(long version) => Volatile.Read(ref _started) == version;

    internal async Task<T> WriteAsync<T>(Func<Task<T>> write)
    {
        Interlocked.Increment(ref _started);
        try
        {
            return await write();
        }
        finally
        {
            Interlocked.Increment(ref _finished);
        }
    }
}

/// <summary>An <see cref="IImageStore"/> that reports each of its writes to a <see cref="CatalogVersion"/>.</summary>
public sealed class VersionedImageStore(IImageStore inner, CatalogVersion version) : IImageStore
{
    public Task<bool> TryAddAsync(Image image, CancellationToken ct) => version.WriteAsync(() => inner.TryAddAsync(image, ct));

    public Task<bool> TryUpdateAsync(Image image, long expectedVersion, CancellationToken ct) =>
        version.WriteAsync(() => inner.TryUpdateAsync(image, expectedVersion, ct));

    public Task<bool> TryDeleteAsync(string id, DateTimeOffset at, CancellationToken ct) => version.WriteAsync(() => inner.TryDeleteAsync(id, at, ct));

    public Task<bool> TryAddMemberAsync(ImageMember member, CancellationToken ct) => version.WriteAsync(() => inner.TryAddMemberAsync(member, ct));

    public Task<bool> UpdateMemberAsync(ImageMember member, CancellationToken ct) => version.WriteAsync(() => inner.UpdateMemberAsync(member, ct));

    public Task<bool> DeleteMemberAsync(string imageId, string memberId, CancellationToken ct) =>
        version.WriteAsync(() => inner.DeleteMemberAsync(imageId, memberId, ct));

    // Quotas are not part of what a list shows.
    public Task SetStorageQuotaAsync(string owner, long bytes, CancellationToken ct) => inner.SetStorageQuotaAsync(owner, bytes, ct);

    public Task<Image?> FindAsync(string id, CancellationToken ct) => inner.FindAsync(id, ct);

    public Task<ProjectUsage> GetUsageAsync(string owner, CancellationToken ct) => inner.GetUsageAsync(owner, ct);

    public Task<long?> FindStorageQuotaAsync(string owner, CancellationToken ct) => inner.FindStorageQuotaAsync(owner, ct);

    public Task<ImageMember?> FindMemberAsync(string imageId, string memberId, CancellationToken ct) => inner.FindMemberAsync(imageId, memberId, ct);

    public Task<IReadOnlyList<ImageMember>> ListMembersAsync(string imageId, CancellationToken ct) => inner.ListMembersAsync(imageId, ct);

    public Task<ImagePage> ListAsync(ImageListQuery query, ImageVisibilityScope scope, Image? marker, CancellationToken ct) =>
        inner.ListAsync(query, scope, marker, ct);

    public Task<IReadOnlyList<Image>> FindInProgressAsync(CancellationToken ct) => inner.FindInProgressAsync(ct);

    public Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken ct) => inner.CountByStatusAsync(ct);

    public Task<IReadOnlySet<string>> FindReferencedAsync(IReadOnlyCollection<string> keys, CancellationToken ct) => inner.FindReferencedAsync(keys, ct);
}
