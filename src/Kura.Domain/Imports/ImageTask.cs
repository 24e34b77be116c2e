namespace Kura.Domain.Imports;

/// <summary>An import task (reference §1.12.3): <c>pending → processing → success | failure</c>.</summary>
public sealed record ImageTask(
    string Id,
    string Status,
    string Owner,
    string ImageId,
    string RequestId,
    string UserId,
    string InputJson,
    string? ResultJson,
    string Message,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ExpiresAt)
{
    public const string Type = "api_image_import";
}

public interface ITaskStore
{
    Task AddAsync(ImageTask task, CancellationToken ct);

    Task UpdateAsync(ImageTask task, CancellationToken ct);

    Task<IReadOnlyList<ImageTask>> ListForImageAsync(string imageId, CancellationToken ct);

    /// <summary>
    /// Marks tasks left pending or processing as failed, but for those of <paramref name="busyImageIds"/> (images
    /// a live node is still working on); returns how many.
    /// </summary>
    Task<int> FailUnfinishedAsync(string message, DateTimeOffset at, IReadOnlySet<string> busyImageIds, CancellationToken ct);
}

/// <summary>Fetches the data of a web-download import. Implementations enforce <see cref="ImportOptions"/>' filters.</summary>
public interface IWebFetcher
{
    /// <summary>Opens the body of <paramref name="uri"/>; throws <see cref="KuraException"/> (400) when filtering refuses it.</summary>
    Task<Stream> OpenAsync(Uri uri, CancellationToken ct);

    /// <summary>Checks <paramref name="uri"/> against the scheme, host and port filters, without connecting.</summary>
    void Check(Uri uri);
}

/// <summary>One import request, parsed (reference §1.12.2).</summary>
public sealed record ImportRequest(string Method, string? Uri, string RawJson);
