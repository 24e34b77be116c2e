using System.Collections.Concurrent;
using Kura.Domain.Images;

namespace Kura.Api.Glance;

/// <summary>
/// Rendered <c>GET /v2/images</c> pages, by caller scope and query string, valid for one <see cref="CatalogVersion"/>:
/// a page is stored only if the catalogue was quiet from before its query until after it, and served only while
/// the catalogue is still at that version, so a cached page is byte for byte what the database would give. Any
/// image or member write moves the version on and the old pages are dropped on the next store. Holds at most
/// <see cref="ImageOptions.ListCacheBytes"/> of JSON; 0 turns it off. Only a node that is the catalogue's only
/// writer (SQLite) ever finds the catalogue quiet.
/// </summary>
public sealed class ListPageCache(CatalogVersion catalog, ImageOptions options, Operations.KuraMetrics metrics)
{
    private readonly ConcurrentDictionary<string, byte[]> _pages = new(StringComparer.Ordinal);
    private long _version = -1;
    private long _bytes;

    public static string Key(string? projectId, bool isAdmin, string? queryString) =>
        (isAdmin ? "a|" : "m|") + projectId + "|" + queryString;

    public bool TryGet(string key, out byte[] page)
    {
        page = [];
        if (options.ListCacheBytes <= 0)
        {
            return false;
        }

        var hit = catalog.TryGetQuiet(out var version) && Volatile.Read(ref _version) == version
            && _pages.TryGetValue(key, out page!) && catalog.IsStill(version);
        metrics.CountListPage(hit);
        return hit;
    }

    /// <summary>
    /// The catalogue version to store a page under that is read from now on; false when the cache is off or a write
    /// is under way (the page is then streamed, not kept).
    /// </summary>
    public bool MayStore(out long version)
    {
        version = 0;
        return options.ListCacheBytes > 0 && catalog.TryGetQuiet(out version);
    }

    /// <summary>Keeps <paramref name="page"/> if nothing was written since <paramref name="version"/> was read.</summary>
    public void Store(string key, long version, byte[] page)
    {
        if (!catalog.IsStill(version))
        {
            return;
        }

        lock (_pages)
        {
            if (_version != version)
            {
                _pages.Clear();
                _bytes = 0;
                Volatile.Write(ref _version, version);
            }

            if (_bytes + page.Length > options.ListCacheBytes)
            {
                return;
            }

            if (_pages.TryAdd(key, page))
            {
                _bytes += page.Length;
            }

            // A write that started while this was being stored makes the page stale: forget it again.
            if (!catalog.IsStill(version))
            {
                _pages.Clear();
                _bytes = 0;
            }
        }
    }
}
