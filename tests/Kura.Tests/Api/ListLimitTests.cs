namespace Kura.Tests.Api;

/// <summary>
/// The page size: Glance's default when none is asked, and a larger request lowered silently to
/// <c>Images:MaxListLimit</c> by the image service (for every dialect, since the typed query leaves the cap to it).
/// </summary>
public sealed class ListLimitTests : IAsyncLifetime
{
    private KuraHost _kura = null!;

    public async Task InitializeAsync() =>
        _kura = await KuraHost.StartAsync(null, "--Images:MaxListLimit=3", "--Images:DefaultListLimit=2");

    public async Task DisposeAsync() => await _kura.DisposeAsync();

    [Fact]
    public async Task A_page_larger_than_the_maximum_is_cut_to_it_and_the_default_applies_without_a_limit()
    {
        var account = await _kura.CreateAccountAsync("list-limit");
        for (var i = 0; i < 5; i++)
        {
            await _kura.CreateImageAsync(account.Token, new JsonObject { ["name"] = $"limit-{i}" });
        }

        async Task<JsonNode> PageAsync(string path)
        {
            using var response = await _kura.SendAsync(HttpMethod.Get, path, account.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await KuraHost.ReadJsonAsync(response);
        }

        var capped = await PageAsync("v2/images?limit=5000");
        Assert.Equal(3, capped["images"]!.AsArray().Count);
        Assert.NotNull(capped["next"]);
        Assert.Equal(2, (await PageAsync("v2/images"))["images"]!.AsArray().Count);
        Assert.Equal(3, (await PageAsync("v2/images?limit=3"))["images"]!.AsArray().Count);
    }
}
