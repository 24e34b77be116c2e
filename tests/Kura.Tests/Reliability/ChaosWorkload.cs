using System.Collections.Concurrent;

namespace Kura.Tests.Reliability;

/// <summary>
/// The chaos tests' client: a mixed workload (create, upload, PATCH, member changes, delete) and the model of what
/// Kura acknowledged, which the catalogue must still satisfy after any crash or fault. An operation whose answer
/// never came, or came as a 503, may have happened or not; the model accepts both.
/// </summary>
internal sealed class ChaosWorkload
{
    /// <summary>What the client was told about one image.</summary>
    internal sealed class Known
    {
        public byte[]? Data { get; set; }

        public ConcurrentDictionary<string, int> Properties { get; } = new();

        /// <summary>Members the client saw added; false while a removal's outcome is unknown.</summary>
        public ConcurrentDictionary<string, bool> Members { get; } = new();

        public bool Deleted { get; set; }

        /// <summary>A delete was sent but its answer never came: the image may or may not exist.</summary>
        public bool MaybeDeleted { get; set; }
    }

    private int _acknowledged;

    public ConcurrentDictionary<string, Known> Images { get; } = new();

    /// <summary>Answers by status code, for the report and for the "never a 500" check.</summary>
    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    public int Acknowledged => _acknowledged;

    /// <summary>Largest upload; above one Swift segment when the store is Swift with small segments.</summary>
    public int MaxUpload { get; init; } = 3 << 20;

    /// <summary>One random operation through <paramref name="http"/>; true when Kura acknowledged it.</summary>
    public async Task<bool> StepAsync(HttpClient http, Random rng, int worker)
    {
        var done = await StepCoreAsync(http, rng, worker);
        if (done)
        {
            Interlocked.Increment(ref _acknowledged);
        }

        return done;
    }

    /// <summary>The first answers that were a 5xx other than 503: request and body, for the failure message.</summary>
    public ConcurrentQueue<string> ServerErrors { get; } = new();

    private HttpStatusCode Seen(HttpResponseMessage response)
    {
        Statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
        if ((int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.ServiceUnavailable && ServerErrors.Count < 20)
        {
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            ServerErrors.Enqueue($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} {(int)response.StatusCode}: {body}");
        }

        return response.StatusCode;
    }

    private async Task<bool> StepCoreAsync(HttpClient http, Random rng, int worker)
    {
        var live = Images.Where(p => !p.Value.Deleted).Select(p => p.Key).ToList();
        var choice = live.Count < 3 ? 0 : rng.Next(10);
        if (choice <= 1)
        {
            using var created = await http.PostAsync("v2/images", new StringContent("""{"disk_format": "raw", "container_format": "bare", "visibility": "shared"}"""));
            switch (Seen(created))
            {
                case HttpStatusCode.Created:
                    Images[JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>()] = new Known();
                    return true;
                case HttpStatusCode.ServiceUnavailable:
                    return false;
                default:
                    throw new InvalidOperationException($"create answered {created.StatusCode}");
            }
        }

        var id = live[rng.Next(live.Count)];
        var image = Images[id];
        switch (choice)
        {
            case <= 4 when image.Data is null:
                var data = RandomNumberGenerator.GetBytes(rng.Next(1, MaxUpload));
                var content = new ByteArrayContent(data);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                using (var upload = await http.PutAsync($"v2/images/{id}/file", content))
                {
                    if (Seen(upload) == HttpStatusCode.NoContent)
                    {
                        image.Data = data;
                        return true;
                    }

                    return false; // 409: another worker's upload to the same image won; 503: the store or database was away
                }

            case <= 6:
                // One property per worker: each worker's values only grow, so the last acknowledged one is well defined.
                var key = "w" + worker;
                var value = image.Properties.GetValueOrDefault(key) + 1;
                var patch = new StringContent($$"""[{"op": "add", "path": "/{{key}}", "value": "{{value}}"}]""");
                patch.Headers.ContentType = new MediaTypeHeaderValue("application/openstack-images-v2.1-json-patch");
                using (var patched = await http.PatchAsync($"v2/images/{id}", patch))
                {
                    if (Seen(patched) == HttpStatusCode.OK)
                    {
                        image.Properties.AddOrUpdate(key, value, (_, old) => Math.Max(old, value));
                        return true;
                    }

                    return false;
                }

            case <= 8:
                var member = "project-" + rng.Next(3);
                if (image.Members.ContainsKey(member))
                {
                    image.Members[member] = false;
                    using var removed = await http.DeleteAsync($"v2/images/{id}/members/{member}");
                    var status = Seen(removed);
                    if (status == HttpStatusCode.NoContent)
                    {
                        image.Members.TryRemove(member, out _);
                        return true;
                    }

                    if (status == HttpStatusCode.NotFound)
                    {
                        // HttpClient resends a DELETE whose pooled connection died unanswered: the first one was
                        // committed before the kill, and the resend, answered by the restarted Kura, finds no member.
                        image.Members.TryRemove(member, out _);
                        return false;
                    }

                    if ((int)status < 500)
                    {
                        image.Members[member] = true; // refused: still a member
                    }

                    return false;
                }

                using (var added = await http.PostAsync($"v2/images/{id}/members", new StringContent($$"""{"member": "{{member}}"}""")))
                {
                    if (Seen(added) == HttpStatusCode.OK)
                    {
                        image.Members[member] = true;
                        return true;
                    }

                    return false;
                }

            default:
                image.MaybeDeleted = true;
                using (var deleted = await http.DeleteAsync($"v2/images/{id}"))
                {
                    var status = Seen(deleted);
                    if (status == HttpStatusCode.NoContent)
                    {
                        image.Deleted = true;
                        return true;
                    }

                    image.MaybeDeleted = (int)status >= 500;
                    return false;
                }
        }
    }

    /// <summary>Every image of the catalogue, page by page.</summary>
    public static async Task<List<JsonNode>> ListAsync(HttpClient http)
    {
        var images = new List<JsonNode>();
        for (var next = "v2/images?limit=1000"; next is not null;)
        {
            var page = JsonNode.Parse(await http.GetStringAsync(next))!;
            images.AddRange(page["images"]!.AsArray().Select(i => i!));
            next = page["next"]?.GetValue<string>().TrimStart('/');
        }

        return images;
    }

    /// <summary>
    /// Checks the catalogue against the model through the API: nothing in saving, importing or uploading; every
    /// active image's data has its size, MD5 and SHA-512; every acknowledged change is there. Returns the ids of
    /// the active images, for the caller's check of the store.
    /// </summary>
    public async Task<HashSet<string>> VerifyAsync(HttpClient http)
    {
        var images = await ListAsync(http);
        Assert.DoesNotContain(images, i => i["status"]!.GetValue<string>() is "saving" or "importing" or "uploading");
        foreach (var image in images.Where(i => i["status"]!.GetValue<string>() == "active"))
        {
            var data = await http.GetByteArrayAsync($"v2/images/{image["id"]!.GetValue<string>()}/file");
            Assert.Equal(image["size"]!.GetValue<long>(), data.Length);
            Assert.Equal(image["checksum"]!.GetValue<string>(), Convert.ToHexStringLower(MD5.HashData(data)));
            Assert.Equal(image["os_hash_value"]!.GetValue<string>(), Convert.ToHexStringLower(SHA512.HashData(data)));
        }

        foreach (var (id, expected) in Images)
        {
            using var response = await http.GetAsync($"v2/images/{id}");
            if (expected.Deleted)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                continue;
            }

            if (expected.MaybeDeleted && response.StatusCode == HttpStatusCode.NotFound)
            {
                expected.Deleted = true; // the unanswered delete did happen
                continue;
            }

            expected.MaybeDeleted = false;

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var image = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            if (expected.Data is not null)
            {
                Assert.Equal("active", image["status"]!.GetValue<string>());
                Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(expected.Data)), image["os_hash_value"]!.GetValue<string>());
            }

            foreach (var (key, value) in expected.Properties)
            {
                // The last acknowledged value, or a later one whose answer the kill swallowed.
                Assert.True(int.Parse(image[key]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= value, $"{id} lost {key}={value}");
            }

            var members = JsonNode.Parse(await http.GetStringAsync($"v2/images/{id}/members"))!["members"]!.AsArray().Select(m => m!["member_id"]!.GetValue<string>()).ToHashSet();
            Assert.All(expected.Members.Where(m => m.Value).Select(m => m.Key), m => Assert.Contains(m, members));
        }

        return images.Where(i => i["status"]!.GetValue<string>() == "active").Select(i => i["id"]!.GetValue<string>()).ToHashSet();
    }

    /// <summary>Answers by status class, e.g. "2xx 1,234, 4xx 56, 503 7".</summary>
    public string Report() =>
        string.Join(", ", Statuses.GroupBy(s => s.Key >= 500 ? s.Key.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{s.Key / 100}xx")
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Sum(s => s.Value):N0}"));
}
