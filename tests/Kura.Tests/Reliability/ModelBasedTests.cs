using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Kura.Tests.Support;
using Xunit.Abstractions;

namespace Kura.Tests.Reliability;

/// <summary>
/// A model-based property test of the image API against a real Kura over HTTP (CsCheck): random sequences of create,
/// PATCH (both media types), tags, upload, download (whole and ranged), deactivate and reactivate, members across
/// projects and roles, delete, show and list with random sorts and page sizes, run by two member projects, a reader
/// of the first and the cloud admin. A model says what each caller should get; after every step the status code must
/// be the model's, a shown image must equal the model's, list pages must be complete and ordered with no gaps or
/// duplicates across markers, and downloaded bytes must be the uploaded ones. A failure is shrunk by CsCheck and
/// reported as the curl commands of the smallest failing sequence, with the seed that reproduces it. CI runs 100
/// sequences whose first comes from a fixed seed (the rest are random; a failure prints its seed);
/// <c>scripts/model.sh</c> runs a long one (KURA_MODEL_ITERATIONS, KURA_MODEL_SEED).
/// </summary>
public sealed class ModelBasedTests(ITestOutputHelper output) : IAsyncLifetime
{
    private KuraHost _kura = null!;
    private string _admin = null!;

    public async Task InitializeAsync()
    {
        _kura = await KuraHost.StartAsync(null, "--Identity:AuthAttemptsPerMinute=0");
        _admin = await _kura.AdminTokenAsync();
    }

    public async Task DisposeAsync() => await _kura.DisposeAsync();

    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("KURA_MODEL_ITERATIONS"), out var n) ? n : 100;

    private static string? Seed => Environment.GetEnvironmentVariable("KURA_MODEL_SEED") is { Length: > 0 } seed ? seed : "0N0XIzNsQ0O2";

    [Fact]
    public async Task Random_sequences_of_api_calls_agree_with_the_model()
    {
        var runs = 0;
        await Ops.Any.List[1, 30].SampleAsync(async ops =>
        {
            Interlocked.Increment(ref runs);
            await new Run(_kura, _admin, ops).ExecuteAsync();
        }, iter: Iterations, threads: 1, seed: Seed, print: ops => string.Join('\n', ops));
        output.WriteLine($"{runs} sequences run (seed {Seed}, {Iterations} iterations)");
        Assert.True(runs >= Iterations, $"only {runs} of {Iterations} sequences ran");
    }

    /// <summary>Who acts: two member projects, a reader of the first, and the cloud admin.</summary>
    public enum Actor
    {
        One,
        Two,
        Reader,
        Admin,
    }

    public abstract record Op(Actor By);

    public sealed record Create(Actor By, string Visibility, int NameIndex) : Op(By);

    public sealed record Rename(Actor By, int Image, int NameIndex, bool Draft4) : Op(By);

    public sealed record SetVisibility(Actor By, int Image, string Visibility) : Op(By);

    public sealed record AddTag(Actor By, int Image, string Tag) : Op(By);

    public sealed record RemoveTag(Actor By, int Image, string Tag) : Op(By);

    public sealed record Upload(Actor By, int Image, int Size) : Op(By);

    public sealed record Download(Actor By, int Image, bool Ranged) : Op(By);

    /// <summary>Deactivate (<paramref name="Active"/> false) or reactivate an image.</summary>
    public sealed record SetActive(Actor By, int Image, bool Active) : Op(By);

    public sealed record AddMember(Actor By, int Image, Actor Member) : Op(By);

    public sealed record SetMemberStatus(Actor By, int Image, string Status) : Op(By);

    public sealed record Delete(Actor By, int Image) : Op(By);

    public sealed record Show(Actor By, int Image) : Op(By);

    public sealed record List(Actor By, string SortKey, bool Descending, int Limit) : Op(By);

    private static class Ops
    {
        private static readonly Gen<Actor> Anyone = CsCheck.Gen.Enum<Actor>();
        private static readonly Gen<Actor> Project = CsCheck.Gen.OneOf(Actor.One, Actor.Two);
        private static readonly Gen<int> Image = CsCheck.Gen.Int[0, 5];
        private static readonly Gen<string> Visibility = CsCheck.Gen.OneOf("private", "shared", "community", "public");
        private static readonly Gen<string> Tag = CsCheck.Gen.OneOf("t1", "t2", "t3");

        public static readonly Gen<Op> Any = CsCheck.Gen.Frequency(
            (4, CsCheck.Gen.Select(Anyone, Visibility, CsCheck.Gen.Int[0, 3], (a, v, n) => (Op)new Create(a, v, n))),
            (2, CsCheck.Gen.Select(Anyone, Image, CsCheck.Gen.Int[0, 3], CsCheck.Gen.Bool, (a, i, n, d) => (Op)new Rename(a, i, n, d))),
            (1, CsCheck.Gen.Select(Anyone, Image, Visibility, (a, i, v) => (Op)new SetVisibility(a, i, v))),
            (2, CsCheck.Gen.Select(Anyone, Image, Tag, (a, i, t) => (Op)new AddTag(a, i, t))),
            (1, CsCheck.Gen.Select(Anyone, Image, Tag, (a, i, t) => (Op)new RemoveTag(a, i, t))),
            (2, CsCheck.Gen.Select(Anyone, Image, CsCheck.Gen.Int[0, 3000], (a, i, s) => (Op)new Upload(a, i, s))),
            (2, CsCheck.Gen.Select(Anyone, Image, CsCheck.Gen.Bool, (a, i, r) => (Op)new Download(a, i, r))),
            (2, CsCheck.Gen.Select(Anyone, Image, CsCheck.Gen.Bool, (a, i, active) => (Op)new SetActive(a, i, active))),
            (2, CsCheck.Gen.Select(Anyone, Image, Project, (a, i, m) => (Op)new AddMember(a, i, m))),
            (2, CsCheck.Gen.Select(Project, Image, CsCheck.Gen.OneOf("accepted", "rejected", "pending"), (a, i, s) => (Op)new SetMemberStatus(a, i, s))),
            (1, CsCheck.Gen.Select(Anyone, Image, (a, i) => (Op)new Delete(a, i))),
            (2, CsCheck.Gen.Select(Anyone, Image, (a, i) => (Op)new Show(a, i))),
            (2, CsCheck.Gen.Select(Anyone, CsCheck.Gen.OneOf("name", "created_at", "size", "status"), CsCheck.Gen.Bool, CsCheck.Gen.Int[1, 4],
                (a, k, d, l) => (Op)new List(a, k, d, l))));
    }

    /// <summary>The model's view of one image.</summary>
    private sealed class ModelImage(string id, string owner, string? name, string visibility)
    {
        public string Id { get; } = id;

        public string Owner { get; } = owner;

        public string? Name { get; set; } = name;

        public string Visibility { get; set; } = visibility;

        public string Status { get; set; } = "queued";

        public SortedSet<string> Tags { get; } = new(StringComparer.Ordinal);

        public byte[]? Data { get; set; }

        public Dictionary<string, string> Members { get; } = new(StringComparer.Ordinal);

        public bool Deleted { get; set; }
    }

    /// <summary>One sequence: fresh projects and users, a tag that marks this run's images, the model, and the transcript.</summary>
    private sealed class Run(KuraHost kura, string adminToken, List<Op> ops)
    {
        private static readonly string[] Names = ["alpha", "beta", "gamma", "delta:1"];
        private readonly List<ModelImage> _images = [];
        private readonly List<string> _transcript = [];
        private readonly Dictionary<Actor, (string Project, string Token)> _actors = [];
        private readonly string _runTag = "run-" + Guid.NewGuid().ToString("N")[..12];

        public async Task ExecuteAsync()
        {
            var one = await kura.CreateAccountAsync(_runTag + "-one");
            var two = await kura.CreateAccountAsync(_runTag + "-two");
            var reader = await ReaderOfAsync(one.ProjectId);
            _actors[Actor.One] = (one.ProjectId, one.Token);
            _actors[Actor.Two] = (two.ProjectId, two.Token);
            _actors[Actor.Reader] = (one.ProjectId, reader);
            _actors[Actor.Admin] = (await AdminProjectAsync(), adminToken);
            try
            {
                foreach (var op in ops)
                {
                    await StepAsync(op);
                }
            }
            catch (Exception ex) when (ex is not ModelException)
            {
                throw new ModelException(ex.Message, _transcript, ex);
            }
        }

        private async Task<string> AdminProjectAsync()
        {
            using var request = KuraHost.Request(HttpMethod.Get, "identity/v3/auth/tokens", adminToken);
            request.Headers.Add("X-Subject-Token", adminToken);
            using var response = await kura.Http.SendAsync(request);
            return (await KuraHost.ReadJsonAsync(response))["token"]!["project"]!["id"]!.GetValue<string>();
        }

        private async Task<string> ReaderOfAsync(string projectId)
        {
            var name = _runTag + "-reader";
            var user = await kura.SendJsonAsync(HttpMethod.Post, "identity/v3/users", adminToken,
                new JsonObject { ["user"] = new JsonObject { ["name"] = name, ["password"] = name + "-pw" } });
            var role = (await kura.SendJsonAsync(HttpMethod.Get, "identity/v3/roles?name=reader", adminToken, null))["roles"]![0]!["id"]!.GetValue<string>();
            using (await kura.SendAsync(HttpMethod.Put, $"identity/v3/projects/{projectId}/users/{user["user"]!["id"]}/roles/{role}", adminToken))
            {
            }

            return (await kura.IssueTokenAsync(name, name + "-pw", _runTag + "-one")).Token;
        }

        private string ProjectOf(Actor actor) => _actors[actor].Project;

        private bool IsAdmin(Actor actor) => actor == Actor.Admin;

        /// <summary>Glance's is_image_visible.</summary>
        private bool Sees(Actor actor, ModelImage image) =>
            !image.Deleted && (IsAdmin(actor) || image.Owner == ProjectOf(actor) || image.Visibility is "public" or "community" ||
                               (image.Visibility == "shared" && image.Members.ContainsKey(ProjectOf(actor))));

        /// <summary>Owner or admin, with a role that writes (a reader never does).</summary>
        private bool Writes(Actor actor, ModelImage image) => actor != Actor.Reader && (IsAdmin(actor) || image.Owner == ProjectOf(actor));

        /// <summary>404 for what the caller cannot see, 403 for what it sees but may not change, null when it may.</summary>
        private HttpStatusCode? Refusal(Actor actor, ModelImage image) =>
            !Sees(actor, image) ? HttpStatusCode.NotFound : !Writes(actor, image) ? HttpStatusCode.Forbidden : null;

        private ModelImage? Pick(int index) => _images.Count == 0 ? null : _images[index % _images.Count];

        private async Task StepAsync(Op op)
        {
            var token = _actors[op.By].Token;
            switch (op)
            {
                case Create c:
                    {
                        var name = Names[c.NameIndex];
                        var body = new JsonObject { ["name"] = name, ["disk_format"] = "raw", ["container_format"] = "bare", ["visibility"] = c.Visibility, ["tags"] = new JsonArray(_runTag) };
                        var expected = c.By == Actor.Reader || (c.Visibility == "public" && !IsAdmin(c.By)) ? HttpStatusCode.Forbidden : HttpStatusCode.Created;
                        var (status, json) = await SendAsync(op, HttpMethod.Post, "v2/images", token, Json(body.ToJsonString()));
                        Expect(op, expected, status);
                        if (status == HttpStatusCode.Created)
                        {
                            var image = new ModelImage(json!["id"]!.GetValue<string>(), ProjectOf(c.By), name, c.Visibility);
                            image.Tags.Add(_runTag);
                            _images.Add(image);
                            Compare(op, image, json);
                        }

                        break;
                    }

                case Rename r when Pick(r.Image) is { } image:
                    {
                        var name = Names[r.NameIndex];
                        var (type, patch) = r.Draft4
                            ? ("application/openstack-images-v2.0-json-patch", $"[{{\"replace\":\"/name\",\"value\":\"{name}\"}}]")
                            : ("application/openstack-images-v2.1-json-patch", $"[{{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"{name}\"}}]");
                        var (status, json) = await SendAsync(op, HttpMethod.Patch, $"v2/images/{image.Id}", token, new StringContent(patch, Encoding.UTF8, type));
                        Expect(op, Refusal(r.By, image) ?? HttpStatusCode.OK, status);
                        if (status == HttpStatusCode.OK)
                        {
                            image.Name = name;
                            Compare(op, image, json);
                        }

                        break;
                    }

                case SetVisibility v when Pick(v.Image) is { } image:
                    {
                        var patch = $"[{{\"op\":\"replace\",\"path\":\"/visibility\",\"value\":\"{v.Visibility}\"}}]";
                        var expected = Refusal(v.By, image) ??
                            (v.Visibility == "public" && image.Visibility != "public" && !IsAdmin(v.By) ? HttpStatusCode.Forbidden : HttpStatusCode.OK);
                        var (status, json) = await SendAsync(op, HttpMethod.Patch, $"v2/images/{image.Id}", token,
                            new StringContent(patch, Encoding.UTF8, "application/openstack-images-v2.1-json-patch"));
                        Expect(op, expected, status);
                        if (status == HttpStatusCode.OK)
                        {
                            image.Visibility = v.Visibility;
                            Compare(op, image, json);
                        }

                        break;
                    }

                case AddTag t when Pick(t.Image) is { } image:
                    {
                        var (status, _) = await SendAsync(op, HttpMethod.Put, $"v2/images/{image.Id}/tags/{t.Tag}", token);
                        Expect(op, Refusal(t.By, image) ?? HttpStatusCode.NoContent, status);
                        if (status == HttpStatusCode.NoContent)
                        {
                            image.Tags.Add(t.Tag);
                        }

                        break;
                    }

                case RemoveTag t when Pick(t.Image) is { } image:
                    {
                        var (status, _) = await SendAsync(op, HttpMethod.Delete, $"v2/images/{image.Id}/tags/{t.Tag}", token);
                        Expect(op, Refusal(t.By, image) ?? (image.Tags.Contains(t.Tag) ? HttpStatusCode.NoContent : HttpStatusCode.NotFound), status);
                        if (status == HttpStatusCode.NoContent)
                        {
                            image.Tags.Remove(t.Tag);
                        }

                        break;
                    }

                case Upload u when Pick(u.Image) is { } image:
                    {
                        var data = new byte[u.Size];
                        new Random(u.Size + u.Image).NextBytes(data);
                        var content = new ByteArrayContent(data);
                        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                        var (status, _) = await SendAsync(op, HttpMethod.Put, $"v2/images/{image.Id}/file", token, content, accept: null);
                        Expect(op, Refusal(u.By, image) ?? (image.Status == "queued" ? HttpStatusCode.NoContent : HttpStatusCode.Conflict), status);
                        if (status == HttpStatusCode.NoContent)
                        {
                            image.Data = data;
                            image.Status = "active";
                        }

                        break;
                    }

                case Download d when Pick(d.Image) is { } image:
                    {
                        var ranged = d.Ranged && image.Data is { Length: > 10 };
                        var expected = !Sees(d.By, image) ? HttpStatusCode.NotFound
                            : d.By == Actor.Reader ? HttpStatusCode.Forbidden
                            : image.Status == "deactivated" && !IsAdmin(d.By) ? HttpStatusCode.Forbidden
                            : image.Data is null ? HttpStatusCode.NoContent
                            : ranged ? HttpStatusCode.PartialContent : HttpStatusCode.OK;
                        using var request = KuraHost.Request(HttpMethod.Get, $"v2/images/{image.Id}/file", token, accept: null);
                        if (ranged)
                        {
                            request.Headers.Range = new RangeHeaderValue(3, 9);
                        }

                        Record(op, "GET", $"v2/images/{image.Id}/file", token, ranged ? "-H 'Range: bytes=3-9'" : null);
                        using var response = await kura.Http.SendAsync(request);
                        var bytes = await response.Content.ReadAsByteArrayAsync();
                        Expect(op, expected, response.StatusCode);
                        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.PartialContent)
                        {
                            var want = ranged ? image.Data![3..10] : image.Data!;
                            Check(op, want.AsSpan().SequenceEqual(bytes), $"downloaded {bytes.Length} bytes differ from the {want.Length} uploaded");
                        }

                        break;
                    }

                case SetActive a when Pick(a.Image) is { } image:
                    {
                        // Both actions answer 204 from active or deactivated (a no-op when already there), 403 otherwise.
                        var (status, _) = await SendAsync(op, HttpMethod.Post, $"v2/images/{image.Id}/actions/{(a.Active ? "reactivate" : "deactivate")}", token);
                        Expect(op, Refusal(a.By, image) ?? (image.Status is "active" or "deactivated" ? HttpStatusCode.NoContent : HttpStatusCode.Forbidden), status);
                        if (status == HttpStatusCode.NoContent)
                        {
                            image.Status = a.Active ? "active" : "deactivated";
                        }

                        break;
                    }

                case AddMember m when Pick(m.Image) is { } image:
                    {
                        var member = ProjectOf(m.Member);
                        var expected = !Sees(m.By, image) ? HttpStatusCode.NotFound
                            : image.Visibility != "shared" || !Writes(m.By, image) ? HttpStatusCode.Forbidden
                            : image.Members.ContainsKey(member) ? HttpStatusCode.Conflict
                            : HttpStatusCode.OK;
                        var (status, _) = await SendAsync(op, HttpMethod.Post, $"v2/images/{image.Id}/members", token, Json($"{{\"member\":\"{member}\"}}"));
                        Expect(op, expected, status);
                        if (status == HttpStatusCode.OK)
                        {
                            image.Members[member] = "pending";
                        }

                        break;
                    }

                case SetMemberStatus s when Pick(s.Image) is { } image:
                    {
                        var member = ProjectOf(s.By);
                        var expected = !Sees(s.By, image) ? HttpStatusCode.NotFound
                            : image.Visibility != "shared" ? HttpStatusCode.Forbidden
                            : !image.Members.ContainsKey(member) ? HttpStatusCode.NotFound
                            : HttpStatusCode.OK;
                        var (status, _) = await SendAsync(op, HttpMethod.Put, $"v2/images/{image.Id}/members/{member}", token, Json($"{{\"status\":\"{s.Status}\"}}"));
                        Expect(op, expected, status);
                        if (status == HttpStatusCode.OK)
                        {
                            image.Members[member] = s.Status;
                        }

                        break;
                    }

                case Delete x when Pick(x.Image) is { } image:
                    {
                        var (status, _) = await SendAsync(op, HttpMethod.Delete, $"v2/images/{image.Id}", token);
                        Expect(op, Refusal(x.By, image) ?? HttpStatusCode.NoContent, status);
                        if (status == HttpStatusCode.NoContent)
                        {
                            image.Deleted = true;
                        }

                        break;
                    }

                case Show s when Pick(s.Image) is { } image:
                    {
                        var (status, json) = await SendAsync(op, HttpMethod.Get, $"v2/images/{image.Id}", token);
                        Expect(op, Sees(s.By, image) ? HttpStatusCode.OK : HttpStatusCode.NotFound, status);
                        if (status == HttpStatusCode.OK)
                        {
                            Compare(op, image, json);
                        }

                        break;
                    }

                case List l:
                    await ListAsync(l, token);
                    break;
            }
        }

        /// <summary>Pages through this run's images and checks the union is the model's default list, in order.</summary>
        private async Task ListAsync(List l, string token)
        {
            var expected = _images.Where(i => !i.Deleted && ListedFor(l.By, i)).Select(i => i.Id).ToHashSet();
            var seen = new List<JsonNode>();
            var path = $"v2/images?tag={_runTag}&sort_key={l.SortKey}&sort_dir={(l.Descending ? "desc" : "asc")}&limit={l.Limit}";
            for (var page = 0; page < 50 && path is not null; page++)
            {
                var (status, json) = await SendAsync(l, HttpMethod.Get, path, token);
                Expect(l, HttpStatusCode.OK, status);
                var images = json!["images"]!.AsArray();
                Check(l, images.Count <= l.Limit, $"a page of {images.Count} images for limit {l.Limit}");
                seen.AddRange(images.Select(i => i!));
                path = json["next"]?.GetValue<string>().TrimStart('/');
            }

            var ids = seen.Select(i => i["id"]!.GetValue<string>()).ToList();
            Check(l, ids.Count == ids.Distinct().Count(), $"an image is listed twice across pages: {string.Join(", ", ids)}");
            Check(l, expected.SetEquals(ids), $"listed [{string.Join(", ", ids)}], the model lists [{string.Join(", ", expected)}]");
            for (var i = 1; i < seen.Count; i++)
            {
                var order = CompareKey(seen[i - 1], seen[i], l.SortKey);
                Check(l, l.Descending ? order >= 0 : order <= 0, $"pages out of {l.SortKey} order at {ids[i - 1]}, {ids[i]}");
            }
        }

        /// <summary>Glance's default list: own images, public ones, and shared ones whose membership is accepted; admins see all but others' community images.</summary>
        private bool ListedFor(Actor actor, ModelImage image) =>
            image.Owner == ProjectOf(actor) || image.Visibility == "public" ||
            (IsAdmin(actor) ? image.Visibility != "community" : image.Visibility == "shared" && image.Members.GetValueOrDefault(ProjectOf(actor)) == "accepted");

        private static int CompareKey(JsonNode a, JsonNode b, string key) => key switch
        {
            "size" => (a["size"]?.GetValue<long>() ?? 0).CompareTo(b["size"]?.GetValue<long>() ?? 0),
            _ => string.CompareOrdinal(a[key]?.GetValue<string>() ?? string.Empty, b[key]?.GetValue<string>() ?? string.Empty),
        };

        private void Compare(Op op, ModelImage image, JsonNode? json)
        {
            Check(op, json is not null, "no body");
            var tags = json!["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal);
            Check(op, json["name"]?.GetValue<string>() == image.Name, $"name {json["name"]} but the model has {image.Name}");
            Check(op, json["visibility"]!.GetValue<string>() == image.Visibility, $"visibility {json["visibility"]} but the model has {image.Visibility}");
            Check(op, json["status"]!.GetValue<string>() == image.Status, $"status {json["status"]} but the model has {image.Status}");
            Check(op, json["owner"]!.GetValue<string>() == image.Owner, $"owner {json["owner"]} but the model has {image.Owner}");
            Check(op, tags.SequenceEqual(image.Tags), $"tags [{string.Join(",", tags)}] but the model has [{string.Join(",", image.Tags)}]");
            var size = json["size"] is { } n ? n.GetValue<long>() : (long?)null;
            Check(op, size == image.Data?.Length, $"size {json["size"]} but the model has {image.Data?.Length}");
        }

        private async Task<(HttpStatusCode Status, JsonNode? Json)> SendAsync(Op op, HttpMethod method, string path, string token, HttpContent? content = null, string? accept = "application/json")
        {
            var body = content is null ? null : await content.ReadAsStringAsync();
            Record(op, method.Method, path, token, content is null ? null
                : content is ByteArrayContent and not StringContent ? $"-H 'Content-Type: application/octet-stream' --data-binary @{body!.Length}-bytes.bin"
                : $"-H 'Content-Type: {content.Headers.ContentType}' -d '{body}'");
            using var response = await kura.SendAsync(method, path, token, content, accept);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 500)
            {
                throw new ModelException($"{op}: {(int)response.StatusCode} {text}", _transcript);
            }

            return (response.StatusCode, text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : null);
        }

        private void Record(Op op, string method, string path, string token, string? extra) =>
            _transcript.Add($"# {op}\ncurl -s -X {method} -H \"X-Auth-Token: ${TokenName(token)}\" {extra} \"$KURA/{path}\"".Replace("  ", " ", StringComparison.Ordinal));

        private string TokenName(string token) => _actors.First(a => a.Value.Token == token).Key.ToString().ToUpperInvariant() + "_TOKEN";

        private void Expect(Op op, HttpStatusCode expected, HttpStatusCode actual) =>
            Check(op, expected == actual, $"answered {(int)actual} {actual}, the model expects {(int)expected} {expected}");

        private void Check(Op op, bool condition, string what)
        {
            if (!condition)
            {
                throw new ModelException($"{op}: {what}", _transcript);
            }
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    /// <summary>A disagreement with the model, carrying the run's requests as curl commands.</summary>
    private sealed class ModelException(string message, IEnumerable<string> transcript, Exception? inner = null)
        : Exception(message + "\n\nThe run as curl commands ($KURA is the endpoint):\n" + string.Join('\n', transcript), inner);
}
