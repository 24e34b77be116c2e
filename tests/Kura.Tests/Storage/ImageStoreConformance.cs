using Kura.Domain.Images;
using Kura.Tests.Support;

namespace Kura.Tests.Storage;

public sealed class SqliteImageStoreTests() : ImageStoreConformance(new TestDatabase.Sqlite());

public sealed class PostgresImageStoreTests() : ImageStoreConformance(new TestDatabase.Postgres());

/// <summary>The metadata-store contract every backend passes: the same cases, each backend's real database.</summary>
public abstract class ImageStoreConformance(TestDatabase db) : StoreConformance(db)
{
    private IImageStore _store = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _store = Db.Images;
    }

    private static Image NewImage(string? name, DateTimeOffset at, string owner = "p1", long? size = null) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Name = name,
        Owner = owner,
        CreatedAt = at,
        UpdatedAt = at,
        Size = size,
        Properties = [new("os_type", "linux"), new("b", "2"), new("a", "1")],
        Tags = ["t1"],
    };

    [Fact]
    public async Task Round_trips_every_field_and_keeps_property_order()
    {
        var image = NewImage("n", new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero), size: 42);
        image.DiskFormat = "raw";
        image.Checksum = "c";
        image.Protected = true;
        Assert.True(await _store.TryAddAsync(image, CancellationToken.None));
        var loaded = await _store.FindAsync(image.Id, CancellationToken.None);
        Assert.NotNull(loaded);
        Assert.Equal(image.CreatedAt, loaded.CreatedAt);
        Assert.Equal(42, loaded.Size);
        Assert.Equal("raw", loaded.DiskFormat);
        Assert.True(loaded.Protected);
        Assert.Equal(["os_type", "b", "a"], loaded.Properties.Select(p => p.Key));
        Assert.Equal(["t1"], loaded.Tags);
        Assert.Equal(1, loaded.Version);
        Assert.False(await _store.TryAddAsync(image, CancellationToken.None));
    }

    [Fact]
    public async Task Finds_which_stored_keys_an_image_still_points_at()
    {
        var withData = NewImage("data", DateTimeOffset.UtcNow, size: 1);
        withData.Location = withData.Id;
        var staged = NewImage("staged", DateTimeOffset.UtcNow);
        staged.StagingLocation = staged.Id + ".staging";
        var deleted = NewImage("deleted", DateTimeOffset.UtcNow, size: 1);
        deleted.Location = deleted.Id;
        foreach (var image in new[] { withData, staged, deleted })
        {
            Assert.True(await _store.TryAddAsync(image, CancellationToken.None));
        }

        Assert.True(await _store.TryDeleteAsync(deleted.Id, DateTimeOffset.UtcNow, CancellationToken.None));
        string[] keys = [withData.Id, staged.Id + ".staging", deleted.Id, "never-stored", "x'); DROP TABLE images; --"];
        var referenced = await _store.FindReferencedAsync(keys, CancellationToken.None);
        Assert.Equal(new[] { withData.Id, staged.Id + ".staging" }.Order(StringComparer.Ordinal), referenced.Order(StringComparer.Ordinal));
        Assert.Empty(await _store.FindReferencedAsync([], CancellationToken.None));
        Assert.NotNull(await _store.FindAsync(withData.Id, CancellationToken.None));
    }

    [Fact]
    public async Task A_stale_version_loses_and_a_deleted_image_is_gone_for_good()
    {
        var image = NewImage("n", DateTimeOffset.UtcNow);
        await _store.TryAddAsync(image, CancellationToken.None);
        var a = (await _store.FindAsync(image.Id, CancellationToken.None))!;
        var b = (await _store.FindAsync(image.Id, CancellationToken.None))!;
        a.Name = "first";
        b.Name = "second";
        Assert.True(await _store.TryUpdateAsync(a, a.Version, CancellationToken.None));
        Assert.False(await _store.TryUpdateAsync(b, b.Version, CancellationToken.None));
        Assert.Equal("first", (await _store.FindAsync(image.Id, CancellationToken.None))!.Name);

        Assert.True(await _store.TryDeleteAsync(image.Id, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.False(await _store.TryDeleteAsync(image.Id, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Null(await _store.FindAsync(image.Id, CancellationToken.None));
        Assert.False(await _store.TryAddAsync(image, CancellationToken.None));
    }

    [Theory]
    [InlineData("name", false)]
    [InlineData("name", true)]
    [InlineData("size", false)]
    [InlineData("created_at", true)]
    public async Task Keyset_pages_walk_the_same_order_as_one_big_page(string key, bool descending)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 23; i++)
        {
            // Duplicate names, sizes and timestamps, and NULLs, so tie-breaking matters.
            var image = NewImage(i % 4 == 0 ? null : $"n{i % 5}", start.AddSeconds(i / 3), size: i % 3 == 0 ? null : i % 4);
            await _store.TryAddAsync(image, CancellationToken.None);
        }

        var scope = new ImageVisibilityScope("p1", false);
        var all = await _store.ListAsync(new ImageListQuery { Limit = 100, Sort = ImageListQuery.OrderBy([new SortKey(key, descending)], descending) }, scope, null, CancellationToken.None);
        Assert.Equal(23, all.Images.Count);

        var paged = new List<string>();
        Image? marker = null;
        while (true)
        {
            var query = new ImageListQuery { Limit = 4, Sort = ImageListQuery.OrderBy([new SortKey(key, descending)], descending) };
            var page = await _store.ListAsync(query, scope, marker, CancellationToken.None);
            paged.AddRange(page.Images.Select(i => i.Id));
            if (!page.Full)
            {
                break;
            }

            marker = page.Images[^1];
        }

        Assert.Equal(all.Images.Select(i => i.Id), paged);
    }

    [Fact]
    public async Task Other_projects_see_only_public_and_community_and_filters_combine()
    {
        var now = DateTimeOffset.UtcNow;
        var mine = NewImage("mine", now);
        mine.Visibility = ImageVisibility.Private;
        var theirsPrivate = NewImage("theirs", now, owner: "p2");
        theirsPrivate.Visibility = ImageVisibility.Private;
        var theirsPublic = NewImage("public", now, owner: "p2");
        theirsPublic.Visibility = ImageVisibility.Public;
        var theirsCommunity = NewImage("community", now, owner: "p2");
        theirsCommunity.Visibility = ImageVisibility.Community;
        foreach (var image in new[] { mine, theirsPrivate, theirsPublic, theirsCommunity })
        {
            await _store.TryAddAsync(image, CancellationToken.None);
        }

        async Task<List<string?>> Names(string projectId, bool admin, params (string Key, string Value)[] parameters)
        {
            var pairs = parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value));
            var page = await _store.ListAsync(Kura.Api.Glance.GlanceListQuery.Parse(pairs, 25), new ImageVisibilityScope(projectId, admin), null, CancellationToken.None);
            return page.Images.Select(i => i.Name).Order().ToList();
        }

        Assert.Equal(["mine", "public"], await Names("p1", false));
        Assert.Equal(["community", "mine", "public"], await Names("p1", false, ("visibility", "all")));
        Assert.Equal(["mine", "public", "theirs"], await Names("p1", true));
        Assert.Equal(["public"], await Names("p1", false, ("os_type", "linux"), ("visibility", "public")));
        Assert.Empty(await Names("p1", false, ("os_type", "windows")));
        Assert.Equal(["mine"], await Names("p1", false, ("name", "in:mine,theirs")));
        Assert.Equal(["mine", "public"], await Names("p1", false, ("tag", "t1")));
        Assert.Empty(await Names("p1", false, ("tag", "t1"), ("tag", "t2")));
    }

    [Fact]
    public async Task A_project_quota_is_absent_until_set_and_then_replaced()
    {
        Assert.Null(await _store.FindStorageQuotaAsync("p1", CancellationToken.None));
        await _store.SetStorageQuotaAsync("p1", 50L << 30, CancellationToken.None);
        await _store.SetStorageQuotaAsync("p1", 550L << 30, CancellationToken.None);
        Assert.Equal(550L << 30, await _store.FindStorageQuotaAsync("p1", CancellationToken.None));
        Assert.Null(await _store.FindStorageQuotaAsync("p2", CancellationToken.None));
    }
}
