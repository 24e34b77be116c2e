using Kura.Domain.Images;

namespace Kura.Tests.Api;

/// <summary>
/// Documents that clients parse, compared whole with golden files: Golden/schema-image.json is reference
/// glance-v2.md Appendix B (Glance 25's <c>GET /v2/schemas/image</c>) verbatim; the others were written from
/// reference §1.3 and §1.5.1.
/// </summary>
public sealed class GoldenDocumentTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name));

    [Fact]
    public async Task Image_schema_is_glances_byte_for_byte()
    {
        var token = await Kura.AdminTokenAsync();
        using var response = await Kura.SendAsync(HttpMethod.Get, "v2/schemas/image", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(Golden("schema-image.json"), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_domain_rules_agree_with_the_schema_clients_validate_against()
    {
        var schema = JsonNode.Parse(Golden("schema-image.json"))!["properties"]!.AsObject();
        foreach (var rule in ImageSchema.Rules)
        {
            var property = schema[rule.Name] ?? throw new Xunit.Sdk.XunitException($"{rule.Name} is not in the schema");
            var types = property["type"] is JsonArray array ? array.Select(t => t!.GetValue<string>()).ToList() : [property["type"]!.GetValue<string>()];
            var expected = rule.Type switch
            {
                PropertyType.String => ["string"],
                PropertyType.NullableString => ["null", "string"],
                PropertyType.Integer => ["integer"],
                PropertyType.NullableInteger => ["null", "integer"],
                PropertyType.Boolean => ["boolean"],
                _ => new List<string> { "array" },
            };
            Assert.True(expected.Order().SequenceEqual(types.Order()), $"{rule.Name}: schema {string.Join(",", types)}, rules {string.Join(",", expected)}");
            Assert.Equal(rule.ReadOnly, property["readOnly"]?.GetValue<bool>() ?? false);
            if (rule.Type != PropertyType.StringArray)
            {
                Assert.Equal(rule.MaxLength, property["maxLength"]?.GetValue<int>());
            }

            if (rule.Enum is not null)
            {
                var values = property["enum"]!.AsArray().Where(v => v is not null).Select(v => v!.GetValue<string>()).Order();
                Assert.Equal(rule.Enum.Order(), values);
            }

            Assert.Equal(rule.UuidPattern, property["pattern"] is not null);
        }
    }

    [Theory]
    [InlineData("images", "images")]
    [InlineData("member", "member")]
    [InlineData("members", "members")]
    [InlineData("metadefs/namespace", "namespace")]
    [InlineData("metadefs/namespaces", "namespaces")]
    [InlineData("metadefs/resource_type", "resource_type_association")]
    [InlineData("metadefs/resource_types", "resource_type_associations")]
    [InlineData("metadefs/object", "object")]
    [InlineData("metadefs/objects", "objects")]
    [InlineData("metadefs/property", "property")]
    [InlineData("metadefs/properties", "properties")]
    [InlineData("metadefs/tag", "tag")]
    [InlineData("metadefs/tags", "tags")]
    [InlineData("task", "task")]
    [InlineData("tasks", "tasks")]
    public async Task Every_schema_tempest_reads_is_served_with_its_name(string path, string name)
    {
        var token = await Kura.AdminTokenAsync();
        var schema = await Kura.SendJsonAsync(HttpMethod.Get, "v2/schemas/" + path, token, null);
        Assert.Equal(name, schema["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Images_schema_embeds_the_image_schema()
    {
        var token = await Kura.AdminTokenAsync();
        var images = await Kura.SendJsonAsync(HttpMethod.Get, "v2/schemas/images", token, null);
        Assert.Equal(JsonNode.Parse(Golden("schema-image.json"))!.ToJsonString(), images["properties"]!["images"]!["items"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, "v2/schemas/nothing", token));
    }

    [Fact]
    public async Task Versions_document_matches_the_golden_file()
    {
        using var response = await Kura.SendAsync(HttpMethod.Get, "", null);
        var expected = JsonNode.Parse(Golden("versions.json").Replace("{base}", Kura.BaseUrl, StringComparison.Ordinal))!;
        Assert.Equal(expected.ToJsonString(), (await KuraHost.ReadJsonAsync(response)).ToJsonString());
    }

    [Fact]
    public async Task Image_representation_matches_the_golden_file_key_for_key()
    {
        var account = await Kura.CreateAccountAsync("golden");
        var created = await Kura.CreateImageAsync(account.Token, new JsonObject
        {
            ["id"] = "1b1e1a5e-0000-4000-8000-00000000c0de",
            ["name"] = "golden",
            ["disk_format"] = "qcow2",
            ["container_format"] = "bare",
            ["visibility"] = "private",
            ["protected"] = true,
            ["min_ram"] = 256,
            ["min_disk"] = 2,
            ["tags"] = new JsonArray("golden"),
            ["architecture"] = "x86_64",
        });
        var expected = Golden("image.json")
            .Replace("{owner}", account.ProjectId, StringComparison.Ordinal)
            .Replace("{created_at}", created["created_at"]!.GetValue<string>(), StringComparison.Ordinal)
            .Replace("{updated_at}", created["updated_at"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), created.ToJsonString());
    }
}
