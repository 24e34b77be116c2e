namespace Kura.Domain.Blobs;

/// <summary>
/// The keys every blob store accepts: 1–200 ASCII letters, digits, '-', '_' and '.', not starting with '.'. Kura's
/// own keys (<c>{imageId}</c>, <c>{imageId}.staging</c>) fit; anything that could name a path, a Swift pseudo-folder
/// or an S3 prefix ('/', '\', "..", NUL, '%') is refused before a backend sees it.
/// </summary>
public static class BlobKeys
{
    public static void EnsureValid(string key)
    {
        if (key.Length is 0 or > 200 || key[0] == '.' || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
        }
    }
}
