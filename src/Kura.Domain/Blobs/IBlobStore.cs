namespace Kura.Domain.Blobs;

/// <summary>An inclusive byte range of a blob.</summary>
public readonly record struct ByteRange(long From, long To)
{
    public long Length => To - From + 1;
}

/// <summary>
/// Where image bytes live. Small and stream-first: writes take a stream and are atomic (a reader never sees a
/// partial blob, a failed or cancelled write leaves nothing), reads may ask for a byte range, deletes are idempotent.
/// Keys are opaque strings chosen by the domain; a backend must confine them (no key may escape its store).
/// </summary>
public interface IBlobStore
{
    /// <summary>Copies <paramref name="content"/> to the blob <paramref name="key"/> and returns the bytes written.
    /// The blob becomes visible only once the whole stream was read without error.</summary>
    Task<long> PutAsync(string key, Stream content, CancellationToken ct);

    /// <summary>Opens the blob (or one range of it) for reading; throws <see cref="BlobNotFoundException"/> if it does not exist.</summary>
    Task<Stream> OpenReadAsync(string key, ByteRange? range, CancellationToken ct);

    /// <summary>Deletes the blob; deleting a missing blob is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>Lists every complete blob with the time it was last written, for sweeping blobs no image points at.</summary>
    IAsyncEnumerable<BlobEntry> ListAsync(CancellationToken ct);

    /// <summary>
    /// Deletes the remains of uploads that never finished (temporary files, multipart parts, segments): those of
    /// keys not in <paramref name="busyKeys"/> whose last write is before <paramref name="olderThan"/>. Returns how
    /// many were deleted.
    /// </summary>
    Task<int> DeleteAbandonedUploadsAsync(IReadOnlySet<string> busyKeys, DateTimeOffset olderThan, CancellationToken ct);
}

/// <summary>One stored blob: its key and when it was last written.</summary>
public readonly record struct BlobEntry(string Key, DateTimeOffset LastModified);

public sealed class BlobNotFoundException(string key) : Exception($"Blob '{key}' does not exist.")
{
    public string Key { get; } = key;
}

/// <summary>The store has no room left for the blob (a full disk or a backend quota).</summary>
public sealed class BlobStoreFullException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The store could not be reached, or failed, in a way that may pass (a proxy down, a timeout, a 5xx): nothing was
/// half-done that the caller must undo, and the request may be retried. The HTTP layers answer 503.
/// </summary>
public sealed class BlobStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
