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

    /// <summary>Lists every blob key, for sweeping blobs no image points at.</summary>
    IAsyncEnumerable<string> ListKeysAsync(CancellationToken ct);
}

public sealed class BlobNotFoundException(string key) : Exception($"Blob '{key}' does not exist.")
{
    public string Key { get; } = key;
}

/// <summary>The store has no room left for the blob (a full disk or a backend quota).</summary>
public sealed class BlobStoreFullException(string message, Exception? inner = null) : Exception(message, inner);
