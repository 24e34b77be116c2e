using Kura.Domain.Images;

namespace Kura.Tests.Api;

/// <summary>
/// The list page cache (Kura.Api.Glance.ListPageCache): a repeated page comes from memory on SQLite (never on
/// PostgreSQL, where other nodes write), is byte for byte the database's answer, is never shared between callers,
/// and every kind of catalogue write is seen by the very next page.
/// </summary>
public sealed partial class ListPageCacheTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    [Fact]
    public async Task A_repeated_page_is_served_from_memory_on_sqlite_only_and_equals_the_first_answer()
    {
        var account = await Kura.CreateAccountAsync("cache-repeat");
        await Kura.CreateImageAsync(account.Token, new JsonObject { ["name"] = "repeat-1" });
        await Kura.CreateImageAsync(account.Token, new JsonObject { ["name"] = "repeat-2" });

        var first = await PageAsync("v2/images?sort=name:asc&name=in:repeat-1,repeat-2", account.Token);
        var (hitsBefore, _) = await CacheCountersAsync();
        var second = await PageAsync("v2/images?sort=name:asc&name=in:repeat-1,repeat-2", account.Token);
        var (hitsAfter, _) = await CacheCountersAsync();

        Assert.Equal(first, second);
        Assert.Equal(["repeat-1", "repeat-2"], Names(second));
        // Other tests of the class run alongside, so count at least this one hit; PostgreSQL must have none at all.
        if (KuraHost.Backend == "Postgres")
        {
            Assert.Equal(0, hitsAfter);
        }
        else
        {
            Assert.True(hitsAfter > hitsBefore, $"hits {hitsBefore} -> {hitsAfter}");
        }
    }

    [Fact]
    public async Task Callers_never_share_a_page()
    {
        var owner = await Kura.CreateAccountAsync("cache-owner-a");
        var other = await Kura.CreateAccountAsync("cache-other-a");
        await Kura.CreateImageAsync(owner.Token, new JsonObject { ["name"] = "cache-private", ["visibility"] = "private" });

        const string path = "v2/images?name=cache-private";
        Assert.Equal(["cache-private"], Names(await PageAsync(path, owner.Token)));
        Assert.Empty(Names(await PageAsync(path, other.Token)));
        Assert.Equal(["cache-private"], Names(await PageAsync(path, owner.Token)));
        Assert.Empty(Names(await PageAsync(path, other.Token)));
        var admin = await Kura.AdminTokenAsync();
        Assert.Equal(["cache-private"], Names(await PageAsync(path, admin)));
    }

    [Fact]
    public async Task Every_kind_of_catalogue_write_is_seen_by_the_next_page()
    {
        var owner = await Kura.CreateAccountAsync("cache-owner-b");
        var member = await Kura.CreateAccountAsync("cache-member-b");
        const string mine = "v2/images?name=in:cache-w1,cache-w1-renamed";

        // create
        Assert.Empty(Names(await PageAsync(mine, owner.Token)));
        var id = (await Kura.CreateImageAsync(owner.Token, new JsonObject { ["name"] = "cache-w1", ["visibility"] = "shared" }))["id"]!.GetValue<string>();
        Assert.Equal(["cache-w1"], Names(await PageAsync(mine, owner.Token)));

        // update (JSON patch)
        Assert.Equal(HttpStatusCode.OK, await PatchAsync(owner.Token, id, """[{"op": "replace", "path": "/name", "value": "cache-w1-renamed"}]"""));
        Assert.Equal(["cache-w1-renamed"], Names(await PageAsync(mine, owner.Token)));

        // tag added, then removed
        Assert.Empty(Names(await PageAsync("v2/images?tag=cache-tag", owner.Token)));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/cache-tag", owner.Token));
        Assert.Equal(["cache-w1-renamed"], Names(await PageAsync("v2/images?tag=cache-tag", owner.Token)));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/tags/cache-tag", owner.Token));
        Assert.Empty(Names(await PageAsync("v2/images?tag=cache-tag", owner.Token)));

        // member added (pending: not in the member's default list), accepted (listed), removed (gone)
        Assert.Empty(Names(await PageAsync(mine, member.Token)));
        await Kura.SendJsonAsync(HttpMethod.Post, $"v2/images/{id}/members", owner.Token, new JsonObject { ["member"] = member.ProjectId });
        Assert.Empty(Names(await PageAsync(mine, member.Token)));
        Assert.Equal(["cache-w1-renamed"], Names(await PageAsync(mine + "&member_status=pending", member.Token)));
        await Kura.SendJsonAsync(HttpMethod.Put, $"v2/images/{id}/members/{member.ProjectId}", member.Token, new JsonObject { ["status"] = "accepted" });
        Assert.Equal(["cache-w1-renamed"], Names(await PageAsync(mine, member.Token)));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/members/{member.ProjectId}", owner.Token));
        Assert.Empty(Names(await PageAsync(mine, member.Token)));

        // delete
        Assert.Equal(["cache-w1-renamed"], Names(await PageAsync(mine, owner.Token)));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}", owner.Token));
        Assert.Empty(Names(await PageAsync(mine, owner.Token)));
    }

    [Fact]
    public async Task A_write_in_flight_makes_the_catalogue_unquiet_and_ends_every_earlier_version()
    {
        var version = new CatalogVersion(shared: false);
        var store = new VersionedImageStore(new BlockingStore(), version);
        Assert.True(version.TryGetQuiet(out var before));

        var gate = BlockingStore.Gate = new TaskCompletionSource();
        var write = store.TryDeleteAsync("x", DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.False(version.TryGetQuiet(out _));
        Assert.False(version.IsStill(before));
        gate.SetResult();
        await write;

        Assert.True(version.TryGetQuiet(out var after));
        Assert.NotEqual(before, after);
        Assert.False(new CatalogVersion(shared: true).TryGetQuiet(out _));
    }

    private async Task<string> PageAsync(string path, string token)
    {
        using var response = await Kura.SendAsync(HttpMethod.Get, path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static List<string> Names(string page) =>
        KuraHost.Parse(page)["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ToList();

    private async Task<HttpStatusCode> StatusAsync(HttpMethod method, string path, string token)
    {
        using var response = await Kura.SendAsync(method, path, token);
        return response.StatusCode;
    }

    private async Task<HttpStatusCode> PatchAsync(string token, string id, string patch)
    {
        using var response = await Kura.SendAsync(HttpMethod.Patch, $"v2/images/{id}", token,
            new StringContent(patch, Encoding.UTF8, "application/openstack-images-v2.1-json-patch"));
        return response.StatusCode;
    }

    private async Task<(long Hits, long Misses)> CacheCountersAsync()
    {
        using var response = await Kura.Http.GetAsync("metrics");
        var text = await response.Content.ReadAsStringAsync();
        return (long.Parse(HitLine().Match(text).Groups[1].Value), long.Parse(MissLine().Match(text).Groups[1].Value));
    }

    [GeneratedRegex("kura_list_cache_requests_total\\{result=\"hit\"\\} (\\d+)")]
    private static partial Regex HitLine();

    [GeneratedRegex("kura_list_cache_requests_total\\{result=\"miss\"\\} (\\d+)")]
    private static partial Regex MissLine();

    /// <summary>A store whose delete waits for <see cref="Gate"/>; nothing else is called.</summary>
    private sealed class BlockingStore : IImageStore
    {
        public static TaskCompletionSource Gate { get; set; } = new();

        public async Task<bool> TryDeleteAsync(string id, DateTimeOffset at, CancellationToken ct)
        {
            await Gate.Task;
            return true;
        }

        public Task<bool> TryAddAsync(Image image, CancellationToken ct) => throw new NotSupportedException();
        public Task<Image?> FindAsync(string id, CancellationToken ct) => throw new NotSupportedException();
        public Task<bool> TryUpdateAsync(Image image, long expectedVersion, CancellationToken ct) => throw new NotSupportedException();
        public Task<ProjectUsage> GetUsageAsync(string owner, CancellationToken ct) => throw new NotSupportedException();
        public Task<long?> FindStorageQuotaAsync(string owner, CancellationToken ct) => throw new NotSupportedException();
        public Task SetStorageQuotaAsync(string owner, long bytes, CancellationToken ct) => throw new NotSupportedException();
        public Task<bool> TryAddMemberAsync(ImageMember member, CancellationToken ct) => throw new NotSupportedException();
        public Task<ImageMember?> FindMemberAsync(string imageId, string memberId, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<ImageMember>> ListMembersAsync(string imageId, CancellationToken ct) => throw new NotSupportedException();
        public Task<bool> UpdateMemberAsync(ImageMember member, CancellationToken ct) => throw new NotSupportedException();
        public Task<bool> DeleteMemberAsync(string imageId, string memberId, CancellationToken ct) => throw new NotSupportedException();
        public Task<ImagePage> ListAsync(ImageListQuery query, ImageVisibilityScope scope, Image? marker, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<Image>> FindInProgressAsync(CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlySet<string>> FindReferencedAsync(IReadOnlyCollection<string> keys, CancellationToken ct) => throw new NotSupportedException();
    }
}
