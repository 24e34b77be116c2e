using System.Net;
using Kura.Tests.Support;

namespace Kura.Tests.Api;

/// <summary>
/// <c>Policy:File</c>, Glance's policy.yaml: an override changes a decision over HTTP, a rule it leaves out keeps its
/// default, and a file that is not right stops start-up with a message naming the file, the line and the rule.
/// </summary>
public sealed class PolicyFileTests
{
    private static string WriteFile(string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("kura-policy-").FullName, "policy.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task An_override_makes_delete_image_admin_only_and_leaves_the_other_rules_alone()
    {
        var path = WriteFile("""
            # operators' policy.yaml
            "delete_image": "rule:context_is_admin"
            "get_images": ""
            """);
        await using var kura = await KuraHost.StartAsync(null, $"--Policy:File={path}");
        var member = await kura.CreateAccountAsync("policy-member");
        var id = (await kura.CreateImageAsync(member.Token))["id"]!.GetValue<string>();

        using (var refused = await kura.SendAsync(HttpMethod.Delete, $"v2/images/{id}", member.Token))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("delete_image", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // modify_image keeps its default: the member may still rename its image.
        using (var renamed = await kura.SendAsync(HttpMethod.Patch, $"v2/images/{id}", member.Token,
                   new StringContent("""[{"op":"replace","path":"/name","value":"kept"}]""", System.Text.Encoding.UTF8, "application/openstack-images-v2.1-json-patch")))
        {
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        }

        using var deleted = await kura.SendAsync(HttpMethod.Delete, $"v2/images/{id}", await kura.AdminTokenAsync());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Theory]
    [InlineData("\"delete_image\": \"role:admin\"\n\"delete_imag\": \"role:admin\"\n", "line 2", "'delete_imag' is not one of Glance's policy rules")]
    [InlineData("\"get_image\": \"role:reader and\"\n", "line 1", "rule 'get_image'")]
    [InlineData("\"get_image\": \"frobnicate\"\n", "line 1", "'frobnicate' is not a check")]
    [InlineData("\"get_image\": [\"role:admin\"]\n", "line 1", "a name and a check string")]
    [InlineData("- role:admin\n", "line 1", "must be a mapping")]
    [InlineData("\"get_image\": \"role:admin\"\n  bad: indentation: here\n", "line 2", "Policy:File")]
    [InlineData("\"get_image\": \"@\"\n\"get_image\": \"!\"\n", "line 2", "uplicate key")]
    public async Task A_malformed_file_stops_start_up_naming_the_place(string text, string line, string message)
    {
        var path = WriteFile(text);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await KuraHost.StartAsync(null, $"--Policy:File={path}"));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(line, ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_stops_start_up()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await KuraHost.StartAsync(null, "--Policy:File=/nonexistent/policy.yaml"));
        Assert.Contains("/nonexistent/policy.yaml does not exist", ex.Message, StringComparison.Ordinal);
    }
}
