using System.Net;
using System.Text.Json;
using Kura.Blobs.S3;
using Kura.Blobs.Swift;

namespace Kura.Tests.Support;

/// <summary>
/// The Swift server the tests use (with its s3api): <c>KURA_TEST_SWIFT_AUTH_URL</c>, <c>_USER</c>, <c>_KEY</c> and
/// <c>KURA_TEST_S3_ENDPOINT</c>, <c>_ACCESS_KEY</c>, <c>_SECRET_KEY</c>, <c>_REGION</c>, which
/// <c>scripts/swift.sh start</c> prints and <c>scripts/test.sh</c> sets. Without them a Swift or S3 test fails
/// (it never skips): the suite claims every backend works. Each test gets containers of its own.
/// </summary>
public static class SwiftServer
{
    /// <summary>Segments and parts of this size in tests, so that a few MiB cross a boundary.</summary>
    public const long ChunkSize = 5L << 20;

    private static string Env(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: start Swift with `eval \"$(scripts/swift.sh start)\"; export ${{!KURA_TEST_SWIFT_*}} ${{!KURA_TEST_S3_*}}` or run scripts/test.sh.");

    public static string NewContainerName() => "kura-test-" + Guid.NewGuid().ToString("N")[..12];

    public static SwiftOptions SwiftOptions(string container) => new()
    {
        AuthUrl = Env("KURA_TEST_SWIFT_AUTH_URL"),
        User = Env("KURA_TEST_SWIFT_USER"),
        Key = Env("KURA_TEST_SWIFT_KEY"),
        Container = container,
        SegmentSize = ChunkSize,
    };

    public static S3Options S3Options(string bucket) => new()
    {
        ServiceUrl = Env("KURA_TEST_S3_ENDPOINT"),
        AccessKey = Env("KURA_TEST_S3_ACCESS_KEY"),
        SecretKey = Env("KURA_TEST_S3_SECRET_KEY"),
        Region = Env("KURA_TEST_S3_REGION"),
        Bucket = bucket,
        PartSize = ChunkSize,
    };

    /// <summary>Command-line arguments that put a Kura's data in <paramref name="container"/> on Swift.</summary>
    public static string[] SwiftArgs(string container)
    {
        var o = SwiftOptions(container);
        return ["--Blobs:Type=Swift", $"--Blobs:Swift:AuthUrl={o.AuthUrl}", $"--Blobs:Swift:User={o.User}", $"--Blobs:Swift:Key={o.Key}",
            $"--Blobs:Swift:Container={container}", $"--Blobs:Swift:SegmentSize={ChunkSize}"];
    }

    /// <summary>Command-line arguments that put a Kura's data in <paramref name="bucket"/> through S3.</summary>
    public static string[] S3Args(string bucket)
    {
        var o = S3Options(bucket);
        return ["--Blobs:Type=S3", $"--Blobs:S3:ServiceUrl={o.ServiceUrl}", $"--Blobs:S3:AccessKey={o.AccessKey}", $"--Blobs:S3:SecretKey={o.SecretKey}",
            $"--Blobs:S3:Region={o.Region}", $"--Blobs:S3:Bucket={bucket}", $"--Blobs:S3:PartSize={ChunkSize}"];
    }

    /// <summary>Object names in a container of the test account (empty when it does not exist).</summary>
    public static async Task<List<string>> ListAsync(string container)
    {
        var (http, storage) = await AuthenticateAsync();
        using (http)
        {
            using var response = await http.GetAsync($"{storage}/{container}?format=json&limit=10000");
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.NoContent)
            {
                return [];
            }

            response.EnsureSuccessStatusCode();
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return page.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
        }
    }

    /// <summary>The value of an object's <c>X-Object-Meta-NAME</c>; null when the object or the header is missing.</summary>
    public static async Task<string?> ObjectMetaAsync(string container, string obj, string name)
    {
        var (http, storage) = await AuthenticateAsync();
        using (http)
        {
            using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"{storage}/{container}/{obj}"));
            return head.Headers.TryGetValues("X-Object-Meta-" + name, out var values) ? values.First() : null;
        }
    }

    /// <summary>Deletes the containers (and their objects) a test used: its own and the segment containers Kura and s3api make.</summary>
    public static async Task DropAsync(string name)
    {
        var (http, storage) = await AuthenticateAsync();
        using (http)
        {
            foreach (var container in new[] { name, name + "_segments", name + "+segments" })
            {
                foreach (var obj in await ListAsync(container))
                {
                    using var deleted = await http.DeleteAsync($"{storage}/{container}/{obj}");
                }

                using var gone = await http.DeleteAsync($"{storage}/{container}");
            }
        }
    }

    /// <summary>The storage URL tempauth gives the test account (<c>http://127.0.0.1:PORT/v1/AUTH_test</c>).</summary>
    public static async Task<string> StorageUrlAsync()
    {
        var (http, storage) = await AuthenticateAsync();
        http.Dispose();
        return storage;
    }

    private static async Task<(HttpClient Http, string StorageUrl)> AuthenticateAsync()
    {
        var http = new HttpClient();
        using var auth = new HttpRequestMessage(HttpMethod.Get, Env("KURA_TEST_SWIFT_AUTH_URL"));
        auth.Headers.Add("X-Auth-User", Env("KURA_TEST_SWIFT_USER"));
        auth.Headers.Add("X-Auth-Key", Env("KURA_TEST_SWIFT_KEY"));
        using var response = await http.SendAsync(auth);
        response.EnsureSuccessStatusCode();
        http.DefaultRequestHeaders.Add("X-Auth-Token", response.Headers.GetValues("X-Auth-Token").Single());
        return (http, response.Headers.GetValues("X-Storage-Url").Single());
    }
}
