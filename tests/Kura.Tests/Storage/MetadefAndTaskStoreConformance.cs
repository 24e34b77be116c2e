using System.Text.Json.Nodes;
using Kura.Domain.Imports;
using Kura.Domain.Metadefs;
using Kura.Tests.Support;

namespace Kura.Tests.Storage;

public sealed class SqliteMetadefAndTaskStoreTests() : MetadefAndTaskStoreConformance(new TestDatabase.Sqlite());

public sealed class PostgresMetadefAndTaskStoreTests() : MetadefAndTaskStoreConformance(new TestDatabase.Postgres());

/// <summary>The metadef and task stores' contracts on every backend: versioned namespace documents, an image's tasks in order.</summary>
public abstract class MetadefAndTaskStoreConformance(TestDatabase db) : StoreConformance(db)
{
    private static MetadefNamespace Namespace(string name, string? owner = "p1") => new()
    {
        Namespace = name,
        Owner = owner,
        Visibility = "public",
        Protected = true,
        CreatedAt = T0,
        UpdatedAt = T0,
        Document = new JsonObject { ["display_name"] = name.ToUpperInvariant(), ["tags"] = new JsonArray(new JsonObject { ["name"] = "t" }) },
    };

    [Fact]
    public async Task Namespaces_are_unique_versioned_and_renamed_under_a_version_check()
    {
        var store = Db.Metadefs;
        Assert.True(await store.TryAddAsync(Namespace("OS::Two"), None));
        Assert.True(await store.TryAddAsync(Namespace("OS::One", owner: null), None));
        Assert.False(await store.TryAddAsync(Namespace("OS::One"), None));
        Assert.Equal(["OS::One", "OS::Two"], (await store.ListAsync(None)).Select(n => n.Namespace));

        var one = (await store.FindAsync("OS::One", None))!;
        Assert.Equal((1L, true, (string?)null, "OS::ONE"), (one.Version, one.Protected, one.Owner, (string?)one.Document["display_name"]));
        Assert.Equal("t", (string?)one.Document["tags"]![0]!["name"]);

        one.Namespace = "OS::Renamed";
        one.Protected = false;
        one.UpdatedAt = T0.AddMinutes(1);
        Assert.False(await store.TryUpdateAsync("OS::One", one, expectedVersion: 7, None));
        Assert.True(await store.TryUpdateAsync("OS::One", one, expectedVersion: 1, None));
        Assert.Null(await store.FindAsync("OS::One", None));
        var renamed = (await store.FindAsync("OS::Renamed", None))!;
        Assert.Equal((2L, false, T0.AddMinutes(1)), (renamed.Version, renamed.Protected, renamed.UpdatedAt));

        renamed.Namespace = "OS::Two";
        Assert.False(await store.TryUpdateAsync("OS::Renamed", renamed, expectedVersion: 2, None));
        Assert.True(await store.DeleteAsync("OS::Renamed", None));
        Assert.False(await store.DeleteAsync("OS::Renamed", None));
    }

    [Fact]
    public async Task Tasks_are_listed_per_image_in_creation_order_and_updated_in_place()
    {
        var store = Db.Tasks;
        ImageTask Task(string id, string image, int minute) =>
            new(id, "pending", "p1", image, "req-" + id, "u1", """{"image_id":"x"}""", null, string.Empty, T0.AddMinutes(minute), T0.AddMinutes(minute), null);

        await store.AddAsync(Task("t2", "i1", 2), None);
        await store.AddAsync(Task("t1", "i1", 1), None);
        await store.AddAsync(Task("t3", "i2", 3), None);
        Assert.Equal(["t1", "t2"], (await store.ListForImageAsync("i1", None)).Select(t => t.Id));

        var done = Task("t1", "i1", 1) with { Status = "success", ResultJson = """{"image_id":"i1"}""", UpdatedAt = T0.AddMinutes(5), ExpiresAt = T0.AddDays(2) };
        await store.UpdateAsync(done, None);
        Assert.Equal(done, (await store.ListForImageAsync("i1", None))[0]);

        Assert.Equal(1, await store.FailUnfinishedAsync("node gone", T0.AddMinutes(9), new HashSet<string> { "i2" }, None));
        var failed = (await store.ListForImageAsync("i1", None))[1];
        Assert.Equal(("failure", "node gone"), (failed.Status, failed.Message));
        Assert.Equal("pending", (await store.ListForImageAsync("i2", None))[0].Status);
    }
}
