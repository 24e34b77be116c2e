using System.Globalization;
using System.Net.Http.Json;
using Kura.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Tests.Api;

/// <summary>
/// The embedded identity beyond projects and users (issue 22), over HTTP: groups, role assignments of groups and on
/// domains, domain-scoped tokens, application credentials and a user's own password change. Each endpoint is called
/// by the admin, by the user it is about, by a user of another project and by a reader; bad input gets Keystone's
/// error shape. Runs on SQLite and, in scripts/test.sh, on PostgreSQL.
/// </summary>
public sealed class IdentityDirectoryTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    /// <summary>alice (member of her project), bob (member of another), carol (reader of alice's project), and the admin's token.</summary>
    private sealed record Cast(string Admin, Account Alice, Account Bob, Account Carol, string AlicePassword);

    private async Task<Cast> CastAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var alice = await Kura.CreateAccountAsync("alice-" + tag);
        var bob = await Kura.CreateAccountAsync("bob-" + tag);
        var carol = await Kura.AddUserAsync(alice.ProjectId, "carol-" + tag, "reader");
        return new Cast(await Kura.AdminTokenAsync(), alice with { UserName = "alice-" + tag }, bob with { UserName = "bob-" + tag }, carol, "alice-" + tag + "-pw");
    }

    private async Task<string> RoleIdAsync(string admin, string name) =>
        (await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/roles?name={name}", admin, null))["roles"]![0]!["id"]!.GetValue<string>();

    private static StringContent Body(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, JsonNode? Body)> CallAsync(HttpMethod method, string path, string? token, JsonNode? body = null)
    {
        using var response = await Kura.SendAsync(method, path, token, body is null ? null : Body(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Asserts Keystone's error body: <c>{"error":{"code","message","title"}}</c> with the status as code.</summary>
    private static void KeystoneError((HttpStatusCode Status, JsonNode? Body) answer, HttpStatusCode status, string message)
    {
        Assert.Equal(status, answer.Status);
        var error = answer.Body!["error"]!;
        Assert.Equal((int)status, error["code"]!.GetValue<int>());
        Assert.Contains(message, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error["title"]!.GetValue<string>()));
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body, string? Token)> AuthAsync(JsonObject identity, JsonNode? scope = null)
    {
        var auth = new JsonObject { ["identity"] = identity };
        if (scope is not null)
        {
            auth["scope"] = scope.DeepClone();
        }

        using var response = await Kura.Http.PostAsJsonAsync("identity/v3/auth/tokens", new JsonObject { ["auth"] = auth });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text),
            response.Headers.TryGetValues("X-Subject-Token", out var values) ? values.Single() : null);
    }

    private static JsonObject Password(string user, string password) => new()
    {
        ["methods"] = new JsonArray("password"),
        ["password"] = new JsonObject { ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["id"] = "default" }, ["password"] = password } },
    };

    private static JsonObject ApplicationCredential(JsonObject credential) => new()
    {
        ["methods"] = new JsonArray("application_credential"),
        ["application_credential"] = credential,
    };

    private async Task<(string Id, string Secret)> CreateCredentialAsync(Account owner, JsonObject? body = null)
    {
        body ??= new JsonObject { ["name"] = "ci-" + Guid.NewGuid().ToString("N")[..6] };
        var created = await Kura.SendJsonAsync(HttpMethod.Post, $"identity/v3/users/{owner.UserId}/application_credentials", owner.Token,
            new JsonObject { ["application_credential"] = body });
        var c = created["application_credential"]!;
        return (c["id"]!.GetValue<string>(), c["secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task Groups_are_admin_only_and_a_user_may_list_only_their_own()
    {
        var cast = await CastAsync();
        var others = new[] { cast.Alice.Token, cast.Bob.Token, cast.Carol.Token };
        var name = "ops-" + Guid.NewGuid().ToString("N")[..6];
        foreach (var token in others)
        {
            KeystoneError(await CallAsync(HttpMethod.Post, "identity/v3/groups", token, new JsonObject { ["group"] = new JsonObject { ["name"] = name } }),
                HttpStatusCode.Forbidden, "identity:create_group");
        }

        var (status, body) = await CallAsync(HttpMethod.Post, "identity/v3/groups", cast.Admin, new JsonObject { ["group"] = new JsonObject { ["name"] = name, ["description"] = "ops" } });
        Assert.Equal(HttpStatusCode.Created, status);
        var groupId = body!["group"]!["id"]!.GetValue<string>();
        Assert.Equal(("default", "ops", Kura.BaseUrl + "/identity/v3/groups/" + groupId),
            (body["group"]!["domain_id"]!.GetValue<string>(), body["group"]!["description"]!.GetValue<string>(), body["group"]!["links"]!["self"]!.GetValue<string>()));
        KeystoneError(await CallAsync(HttpMethod.Post, "identity/v3/groups", cast.Admin, new JsonObject { ["group"] = new JsonObject { ["name"] = name } }),
            HttpStatusCode.Conflict, $"Conflict occurred attempting to store group - Duplicate entry found with name {name} at domain ID default.");

        var member = $"identity/v3/groups/{groupId}/users/{cast.Alice.UserId}";
        foreach (var (method, path, rule) in new[]
        {
            (HttpMethod.Get, "identity/v3/groups", "list_groups"),
            (HttpMethod.Get, $"identity/v3/groups/{groupId}", "get_group"),
            (HttpMethod.Patch, $"identity/v3/groups/{groupId}", "update_group"),
            (HttpMethod.Get, $"identity/v3/groups/{groupId}/users", "list_users_in_group"),
            (HttpMethod.Put, member, "add_user_to_group"),
            (HttpMethod.Head, member, "check_user_in_group"),
            (HttpMethod.Delete, member, "remove_user_from_group"),
            (HttpMethod.Delete, $"identity/v3/groups/{groupId}", "delete_group"),
        })
        {
            foreach (var token in others)
            {
                var answer = await CallAsync(method, path, token, method == HttpMethod.Patch ? new JsonObject { ["group"] = new JsonObject { ["name"] = "x" } } : null);
                Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
                if (method != HttpMethod.Head)
                {
                    KeystoneError(answer, HttpStatusCode.Forbidden, "identity:" + rule);
                }
            }
        }

        Assert.Equal(HttpStatusCode.NotFound, (await CallAsync(HttpMethod.Head, member, cast.Admin)).Status);
        KeystoneError(await CallAsync(HttpMethod.Get, member, cast.Admin), HttpStatusCode.NotFound, $"User '{cast.Alice.UserId}' not found in group '{groupId}'");
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, member, cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, member, cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Head, member, cast.Admin)).Status);
        var members = (await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/groups/{groupId}/users", cast.Admin, null))["users"]!.AsArray();
        Assert.Equal([cast.Alice.UserId], members.Select(u => u!["id"]!.GetValue<string>()));
        KeystoneError(await CallAsync(HttpMethod.Put, $"identity/v3/groups/{groupId}/users/nosuch", cast.Admin), HttpStatusCode.NotFound, "Could not find user: nosuch.");
        KeystoneError(await CallAsync(HttpMethod.Put, $"identity/v3/groups/nosuch/users/{cast.Alice.UserId}", cast.Admin), HttpStatusCode.NotFound, "Could not find group: nosuch.");

        // A user lists their own groups; no one else's.
        var own = await CallAsync(HttpMethod.Get, $"identity/v3/users/{cast.Alice.UserId}/groups", cast.Alice.Token);
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.Equal([name], own.Body!["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(HttpMethod.Get, $"identity/v3/users/{cast.Alice.UserId}/groups", cast.Admin)).Status);
        foreach (var token in new[] { cast.Bob.Token, cast.Carol.Token })
        {
            KeystoneError(await CallAsync(HttpMethod.Get, $"identity/v3/users/{cast.Alice.UserId}/groups", token), HttpStatusCode.Forbidden, "identity:list_groups_for_user");
        }

        var renamed = await Kura.SendJsonAsync(HttpMethod.Patch, $"identity/v3/groups/{groupId}", cast.Admin, new JsonObject { ["group"] = new JsonObject { ["description"] = "new" } });
        Assert.Equal((name, "new"), (renamed["group"]!["name"]!.GetValue<string>(), renamed["group"]!["description"]!.GetValue<string>()));
        KeystoneError(await CallAsync(HttpMethod.Get, "identity/v3/groups/nosuch", cast.Admin), HttpStatusCode.NotFound, "Could not find group: nosuch.");
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, $"identity/v3/groups/{groupId}", cast.Admin)).Status);
        Assert.Empty((await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/users/{cast.Alice.UserId}/groups", cast.Alice.Token, null))["groups"]!.AsArray());
    }

    [Fact]
    public async Task A_groups_role_on_a_project_is_every_members_and_goes_when_they_leave_or_it_is_revoked()
    {
        var cast = await CastAsync();
        var groupId = (await Kura.SendJsonAsync(HttpMethod.Post, "identity/v3/groups", cast.Admin,
            new JsonObject { ["group"] = new JsonObject { ["name"] = "g-" + Guid.NewGuid().ToString("N")[..6] } }))["group"]!["id"]!.GetValue<string>();
        var member = await RoleIdAsync(cast.Admin, "member");
        var grant = $"identity/v3/projects/{cast.Alice.ProjectId}/groups/{groupId}/roles/{member}";
        foreach (var token in new[] { cast.Alice.Token, cast.Bob.Token, cast.Carol.Token })
        {
            KeystoneError(await CallAsync(HttpMethod.Put, grant, token), HttpStatusCode.Forbidden, "identity:create_grant");
        }

        // bob, of another project, joins the group: the group's member role on alice's project becomes his.
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, $"identity/v3/groups/{groupId}/users/{cast.Bob.UserId}", cast.Admin)).Status);
        var teamName = (await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/projects/{cast.Alice.ProjectId}", cast.Admin, null))["project"]!["name"]!.GetValue<string>();
        var refused = await AuthAsync(Password(cast.Bob.UserName!, cast.Bob.UserName + "-pw"), new JsonObject { ["project"] = new JsonObject { ["id"] = cast.Alice.ProjectId } });
        KeystoneError((refused.Status, refused.Body), HttpStatusCode.Unauthorized, "The request you have made requires authentication.");
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, grant, cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Head, grant, cast.Admin)).Status);
        var listed = await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/projects/{cast.Alice.ProjectId}/groups/{groupId}/roles", cast.Admin, null);
        Assert.Equal(["member"], listed["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));

        var (status, body, bobOnTeam) = await AuthAsync(Password(cast.Bob.UserName!, cast.Bob.UserName + "-pw"), new JsonObject { ["project"] = new JsonObject { ["id"] = cast.Alice.ProjectId } });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["member"], body!["token"]!["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        var projects = await Kura.SendJsonAsync(HttpMethod.Get, "identity/v3/auth/projects", cast.Bob.Token, null);
        Assert.Contains(teamName, projects["projects"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));

        // Alice's private image is now bob's project's too; his own project's stays apart from alice's.
        var image = (await Kura.CreateImageAsync(cast.Alice.Token, new JsonObject { ["name"] = "team", ["visibility"] = "private" }))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{image}", bobOnTeam));
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{image}", cast.Bob.Token));

        // Effective assignments name bob through the group, with the membership link.
        var effective = await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/role_assignments?effective&user.id={cast.Bob.UserId}&scope.project.id={cast.Alice.ProjectId}", cast.Admin, null);
        var entry = Assert.Single(effective["role_assignments"]!.AsArray())!;
        Assert.Equal((cast.Bob.UserId, member), (entry["user"]!["id"]!.GetValue<string>(), entry["role"]!["id"]!.GetValue<string>()));
        Assert.Null(entry["group"]);
        Assert.Equal($"{Kura.BaseUrl}/identity/v3/groups/{groupId}/users/{cast.Bob.UserId}", entry["links"]!["membership"]!.GetValue<string>());
        Assert.Equal($"{Kura.BaseUrl}/{grant}", entry["links"]!["assignment"]!.GetValue<string>());
        var direct = await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/role_assignments?group.id={groupId}&include_names", cast.Admin, null);
        var groupEntry = Assert.Single(direct["role_assignments"]!.AsArray())!;
        Assert.Equal((groupId, teamName, "member"), (groupEntry["group"]!["id"]!.GetValue<string>(), groupEntry["scope"]!["project"]!["name"]!.GetValue<string>(), groupEntry["role"]!["name"]!.GetValue<string>()));
        KeystoneError(await CallAsync(HttpMethod.Get, $"identity/v3/role_assignments?effective&group.id={groupId}", cast.Admin), HttpStatusCode.BadRequest,
            "Combining effective and group filter will always result in an empty list.");
        KeystoneError(await CallAsync(HttpMethod.Get, $"identity/v3/role_assignments?user.id=a&group.id=b", cast.Admin), HttpStatusCode.BadRequest, "Specify a user or group, not both");
        KeystoneError(await CallAsync(HttpMethod.Get, "identity/v3/role_assignments?effective", cast.Alice.Token), HttpStatusCode.Forbidden, "identity:list_role_assignments");

        // Leaving the group takes the role away at once; so does revoking the group's role.
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, $"identity/v3/groups/{groupId}/users/{cast.Bob.UserId}", cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", bobOnTeam));
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, $"identity/v3/groups/{groupId}/users/{cast.Bob.UserId}", cast.Admin)).Status);
        var again = (await AuthAsync(Password(cast.Bob.UserName!, cast.Bob.UserName + "-pw"), new JsonObject { ["project"] = new JsonObject { ["id"] = cast.Alice.ProjectId } })).Token;
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", again));
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, grant, cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", again));
        KeystoneError(await CallAsync(HttpMethod.Delete, grant, cast.Admin), HttpStatusCode.NotFound, "Could not find role assignment with role: " + member);
    }

    [Fact]
    public async Task A_domain_scoped_token_needs_a_role_on_the_domain_and_is_refused_by_the_image_api()
    {
        var cast = await CastAsync();
        var scope = new JsonObject { ["domain"] = new JsonObject { ["name"] = "Default" } };
        var refused = await AuthAsync(Password(cast.Alice.UserName!, cast.AlicePassword), scope);
        KeystoneError((refused.Status, refused.Body), HttpStatusCode.Unauthorized, "The request you have made requires authentication.");
        var unknown = await AuthAsync(Password(cast.Alice.UserName!, cast.AlicePassword), new JsonObject { ["domain"] = new JsonObject { ["id"] = "nosuch" } });
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        var empty = await AuthAsync(Password(cast.Alice.UserName!, cast.AlicePassword), new JsonObject { ["domain"] = new JsonObject() });
        KeystoneError((empty.Status, empty.Body), HttpStatusCode.BadRequest, "Invalid input for field scope/domain: id or name must be present.");
        var both = await AuthAsync(Password(cast.Alice.UserName!, cast.AlicePassword),
            new JsonObject { ["domain"] = new JsonObject { ["id"] = "default" }, ["project"] = new JsonObject { ["id"] = cast.Alice.ProjectId } });
        KeystoneError((both.Status, both.Body), HttpStatusCode.BadRequest, "Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope.");

        var reader = await RoleIdAsync(cast.Admin, "reader");
        var grant = $"identity/v3/domains/default/users/{cast.Alice.UserId}/roles/{reader}";
        foreach (var token in new[] { cast.Alice.Token, cast.Bob.Token, cast.Carol.Token })
        {
            KeystoneError(await CallAsync(HttpMethod.Put, grant, token), HttpStatusCode.Forbidden, "identity:create_grant");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, grant, cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Head, grant, cast.Admin)).Status);
        var (status, body, token2) = await AuthAsync(Password(cast.Alice.UserName!, cast.AlicePassword), scope);
        Assert.Equal(HttpStatusCode.Created, status);
        var t = body!["token"]!;
        Assert.Equal(("default", "Default"), (t["domain"]!["id"]!.GetValue<string>(), t["domain"]!["name"]!.GetValue<string>()));
        Assert.Null(t["project"]);
        Assert.Null(t["is_domain"]);
        Assert.Equal(["reader"], t["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.NotEmpty(t["catalog"]!.AsArray());
        var domains = await Kura.SendJsonAsync(HttpMethod.Get, "identity/v3/auth/domains", cast.Alice.Token, null);
        Assert.Equal(["default"], domains["domains"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
        Assert.Empty((await Kura.SendJsonAsync(HttpMethod.Get, "identity/v3/auth/domains", cast.Bob.Token, null))["domains"]!.AsArray());

        // The image API's policies are project-scoped: a valid domain-scoped token is a 403 in Glance's shape there.
        using (var images = await Kura.SendAsync(HttpMethod.Get, "v2/images", token2))
        {
            Assert.Equal(HttpStatusCode.Forbidden, images.StatusCode);
            Assert.Contains(TokenAuthentication.DomainScopeRefused, await images.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var assignments = await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/role_assignments?scope.domain.id=default&user.id={cast.Alice.UserId}&include_names", cast.Admin, null);
        var entry = Assert.Single(assignments["role_assignments"]!.AsArray())!;
        Assert.Equal(("default", "Default", "reader"), (entry["scope"]!["domain"]!["id"]!.GetValue<string>(), entry["scope"]!["domain"]!["name"]!.GetValue<string>(), entry["role"]!["name"]!.GetValue<string>()));
        Assert.Equal($"{Kura.BaseUrl}/{grant}", entry["links"]!["assignment"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, grant, cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.NotFound, await ValidateStatusAsync(cast.Admin, token2!));
    }

    private async Task<HttpStatusCode> ValidateStatusAsync(string admin, string subject)
    {
        using var request = KuraHost.Request(HttpMethod.Get, "identity/v3/auth/tokens", admin);
        request.Headers.Add("X-Subject-Token", subject);
        using var response = await Kura.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Application_credentials_are_the_users_own_and_authenticate_for_their_project_with_their_roles()
    {
        var cast = await CastAsync();
        var path = $"identity/v3/users/{cast.Alice.UserId}/application_credentials";
        var create = new JsonObject { ["application_credential"] = new JsonObject { ["name"] = "ci", ["description"] = "for CI" } };
        foreach (var token in new[] { cast.Admin, cast.Bob.Token, cast.Carol.Token })
        {
            KeystoneError(await CallAsync(HttpMethod.Post, path, token, create), HttpStatusCode.Forbidden, "identity:create_application_credential");
        }

        var (status, body) = await CallAsync(HttpMethod.Post, path, cast.Alice.Token, create);
        Assert.Equal(HttpStatusCode.Created, status);
        var c = body!["application_credential"]!;
        var id = c["id"]!.GetValue<string>();
        var secret = c["secret"]!.GetValue<string>();
        Assert.True(secret.Length >= 40);
        Assert.Equal((cast.Alice.ProjectId, cast.Alice.UserId, "for CI", false), (c["project_id"]!.GetValue<string>(), c["user_id"]!.GetValue<string>(),
            c["description"]!.GetValue<string>(), c["unrestricted"]!.GetValue<bool>()));
        Assert.Equal(["member"], c["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.Null(c["expires_at"]);
        KeystoneError(await CallAsync(HttpMethod.Post, path, cast.Alice.Token, create), HttpStatusCode.Conflict,
            "Conflict occurred attempting to store application_credential - Duplicate entry found with name ci.");

        // Read by the owner and the admin only, never with the secret.
        foreach (var token in new[] { cast.Alice.Token, cast.Admin })
        {
            var list = await CallAsync(HttpMethod.Get, path, token);
            Assert.Equal(["ci"], list.Body!["application_credentials"]!.AsArray().Select(x => x!["name"]!.GetValue<string>()));
            var shown = await CallAsync(HttpMethod.Get, $"{path}/{id}", token);
            Assert.Equal(HttpStatusCode.OK, shown.Status);
            Assert.Null(shown.Body!["application_credential"]!["secret"]);
        }

        foreach (var token in new[] { cast.Bob.Token, cast.Carol.Token })
        {
            KeystoneError(await CallAsync(HttpMethod.Get, path, token), HttpStatusCode.Forbidden, "identity:list_application_credentials");
            KeystoneError(await CallAsync(HttpMethod.Get, $"{path}/{id}", token), HttpStatusCode.Forbidden, "identity:get_application_credential");
            KeystoneError(await CallAsync(HttpMethod.Delete, $"{path}/{id}", token), HttpStatusCode.Forbidden, "identity:delete_application_credential");
        }

        KeystoneError(await CallAsync(HttpMethod.Get, $"{path}/nosuch", cast.Alice.Token), HttpStatusCode.NotFound, "Could not find Application Credential: nosuch.");
        Assert.Empty((await Kura.SendJsonAsync(HttpMethod.Get, path + "?name=other", cast.Alice.Token, null))["application_credentials"]!.AsArray());

        // It authenticates by id, or by name with its user; the token is for its project, restricted, with its roles.
        var byId = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = id, ["secret"] = secret }));
        Assert.Equal(HttpStatusCode.Created, byId.Status);
        var t = byId.Body!["token"]!;
        Assert.Equal(["application_credential"], t["methods"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(cast.Alice.ProjectId, t["project"]!["id"]!.GetValue<string>());
        Assert.Equal((id, "ci", true), (t["application_credential"]!["id"]!.GetValue<string>(), t["application_credential"]!["name"]!.GetValue<string>(),
            t["application_credential"]!["restricted"]!.GetValue<bool>()));
        var byName = await AuthAsync(ApplicationCredential(new JsonObject
        {
            ["name"] = "ci",
            ["secret"] = secret,
            ["user"] = new JsonObject { ["name"] = cast.Alice.UserName, ["domain"] = new JsonObject { ["name"] = "Default" } },
        }));
        Assert.Equal(HttpStatusCode.Created, byName.Status);
        Assert.Equal(HttpStatusCode.Created, (await AuthAsync(ApplicationCredential(new JsonObject { ["name"] = "ci", ["secret"] = secret, ["user"] = new JsonObject { ["id"] = cast.Alice.UserId } }))).Status);

        // Its token acts for its project (alice's private image) and no other project (bob's).
        var acToken = byId.Token!;
        var mine = (await Kura.CreateImageAsync(acToken, new JsonObject { ["name"] = "via-ac", ["visibility"] = "private" }))["id"]!.GetValue<string>();
        var bobs = (await Kura.CreateImageAsync(cast.Bob.Token, new JsonObject { ["name"] = "bobs", ["visibility"] = "private" }))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{mine}", cast.Alice.Token));
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{bobs}", acToken));
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Delete, $"v2/images/{bobs}", acToken));

        // Its token may be exchanged (the token method) for one of the same project and credential, never another project's.
        JsonObject TokenMethod() => new() { ["methods"] = new JsonArray("token"), ["token"] = new JsonObject { ["id"] = acToken } };
        var exchanged = await AuthAsync(TokenMethod());
        Assert.Equal(HttpStatusCode.Created, exchanged.Status);
        Assert.Equal(cast.Alice.ProjectId, exchanged.Body!["token"]!["project"]!["id"]!.GetValue<string>());
        Assert.Equal(id, exchanged.Body["token"]!["application_credential"]!["id"]!.GetValue<string>());
        var elsewhere = await AuthAsync(TokenMethod(), new JsonObject { ["project"] = new JsonObject { ["id"] = cast.Bob.ProjectId } });
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.Status);

        // A restricted credential's token manages no credentials; it still reads them (as Keystone).
        KeystoneError(await CallAsync(HttpMethod.Post, path, acToken, new JsonObject { ["application_credential"] = new JsonObject { ["name"] = "more" } }),
            HttpStatusCode.Forbidden, "Using method 'application_credential' is not allowed for managing additional application credentials..");
        KeystoneError(await CallAsync(HttpMethod.Delete, $"{path}/{id}", acToken), HttpStatusCode.Forbidden, "Using method 'application_credential' is not allowed");
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(HttpMethod.Get, path, acToken)).Status);

        // An unrestricted one may make more.
        var (freeId, freeSecret) = await CreateCredentialAsync(cast.Alice, new JsonObject { ["name"] = "free", ["unrestricted"] = true });
        var freeToken = (await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = freeId, ["secret"] = freeSecret }))).Token;
        Assert.Equal(HttpStatusCode.Created, (await CallAsync(HttpMethod.Post, path, freeToken, new JsonObject { ["application_credential"] = new JsonObject { ["name"] = "child" } })).Status);

        // Deleting it (by the owner or the admin) deletes its tokens.
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, $"{path}/{id}", cast.Alice.Token)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", acToken));
        KeystoneError(await CallAsync(HttpMethod.Delete, $"{path}/{id}", cast.Alice.Token), HttpStatusCode.NotFound, "Could not find Application Credential: " + id);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, $"{path}/{freeId}", cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", freeToken));
    }

    [Fact]
    public async Task A_readers_credential_only_reads_and_a_credential_carries_only_roles_its_user_still_holds()
    {
        var cast = await CastAsync();
        var (carolId, carolSecret) = await CreateCredentialAsync(cast.Carol);
        var carolToken = (await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = carolId, ["secret"] = carolSecret }))).Token;
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", carolToken));
        using (var create = await Kura.SendAsync(HttpMethod.Post, "v2/images", carolToken, Body(new JsonObject { ["name"] = "no", ["disk_format"] = "raw", ["container_format"] = "bare" })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        }

        // A role the token does not hold cannot be given to a credential.
        var path = $"identity/v3/users/{cast.Carol.UserId}/application_credentials";
        KeystoneError(await CallAsync(HttpMethod.Post, path, cast.Carol.Token, new JsonObject
        {
            ["application_credential"] = new JsonObject { ["name"] = "up", ["roles"] = new JsonArray(new JsonObject { ["name"] = "member" }) },
        }), HttpStatusCode.BadRequest, "Invalid application credential: Cannot create an application credential with unassigned role");
        KeystoneError(await CallAsync(HttpMethod.Post, path, cast.Carol.Token, new JsonObject
        {
            ["application_credential"] = new JsonObject { ["name"] = "up", ["roles"] = new JsonArray(new JsonObject { ["name"] = "nosuch" }) },
        }), HttpStatusCode.NotFound, "Role nosuch is not defined");

        // alice holds member directly and reader through a group; her credential has both. When she leaves the group
        // its tokens have member only; when her own member role is revoked, the credential is deleted (as Keystone),
        // so granting the role again does not bring it back.
        var readerRole = await RoleIdAsync(cast.Admin, "reader");
        var memberRole = await RoleIdAsync(cast.Admin, "member");
        var groupId = (await Kura.SendJsonAsync(HttpMethod.Post, "identity/v3/groups", cast.Admin,
            new JsonObject { ["group"] = new JsonObject { ["name"] = "readers-" + Guid.NewGuid().ToString("N")[..6] } }))["group"]!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, $"identity/v3/groups/{groupId}/users/{cast.Alice.UserId}", cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, $"identity/v3/projects/{cast.Alice.ProjectId}/groups/{groupId}/roles/{readerRole}", cast.Admin)).Status);
        var (aliceId, aliceSecret) = await CreateCredentialAsync(cast.Alice);
        var both = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = aliceId, ["secret"] = aliceSecret }));
        Assert.Equal(["member", "reader"], both.Body!["token"]!["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, $"identity/v3/groups/{groupId}/users/{cast.Alice.UserId}", cast.Admin)).Status);
        var reduced = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = aliceId, ["secret"] = aliceSecret }));
        Assert.Equal(HttpStatusCode.Created, reduced.Status);
        Assert.Equal(["member"], reduced.Body!["token"]!["roles"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", both.Token)); // still member

        var grant = $"identity/v3/projects/{cast.Alice.ProjectId}/users/{cast.Alice.UserId}/roles/{memberRole}";
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Delete, grant, cast.Admin)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", reduced.Token));
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Put, grant, cast.Admin)).Status);
        var gone = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = aliceId, ["secret"] = aliceSecret }));
        KeystoneError((gone.Status, gone.Body), HttpStatusCode.NotFound, "Could not find Application Credential: " + aliceId);
        Assert.Empty((await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/users/{cast.Alice.UserId}/application_credentials", cast.Admin, null))["application_credentials"]!.AsArray());
    }

    [Fact]
    public async Task Bad_application_credential_input_and_authentication_get_keystones_errors()
    {
        var cast = await CastAsync();
        var path = $"identity/v3/users/{cast.Alice.UserId}/application_credentials";
        async Task Refused(JsonObject credential, HttpStatusCode status, string message) =>
            KeystoneError(await CallAsync(HttpMethod.Post, path, cast.Alice.Token, new JsonObject { ["application_credential"] = credential }), status, message);
        await Refused(new JsonObject { ["description"] = "no name" }, HttpStatusCode.BadRequest, "'name' is a required property");
        await Refused(new JsonObject { ["name"] = "past", ["expires_at"] = "2020-01-01T00:00:00" }, HttpStatusCode.BadRequest, "The 'expires_at' must not be before now.");
        await Refused(new JsonObject { ["name"] = "bad", ["expires_at"] = "tomorrow" }, HttpStatusCode.BadRequest, "Timestamp not in expected format.");
        await Refused(new JsonObject { ["name"] = "offset", ["expires_at"] = "2099-01-01T00:00:00+02:00" }, HttpStatusCode.BadRequest, "Timestamp not in expected format.");
        await Refused(new JsonObject { ["name"] = "rules", ["access_rules"] = new JsonArray(new JsonObject { ["service"] = "image", ["method"] = "GET", ["path"] = "/v2/images" }) },
            HttpStatusCode.BadRequest, "access rules");
        await Refused(new JsonObject { ["name"] = 5 }, HttpStatusCode.BadRequest, "Invalid input for field 'name'");

        // An expiring credential: its token expires with it, and after that it authenticates no more.
        var expires = DateTimeOffset.UtcNow.AddSeconds(3);
        var (id, secret) = await CreateCredentialAsync(cast.Alice, new JsonObject { ["name"] = "short", ["expires_at"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'") });
        var shown = await Kura.SendJsonAsync(HttpMethod.Get, $"{path}/{id}", cast.Alice.Token, null);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$", shown["application_credential"]!["expires_at"]!.GetValue<string>());
        var issued = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = id, ["secret"] = secret }));
        Assert.Equal(HttpStatusCode.Created, issued.Status);
        var tokenExpires = DateTimeOffset.Parse(issued.Body!["token"]!["expires_at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.True(tokenExpires <= expires.AddMilliseconds(1), $"token expires {tokenExpires:O}, credential {expires:O}");

        var wrong = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = id, ["secret"] = "wrong" }));
        KeystoneError((wrong.Status, wrong.Body), HttpStatusCode.Unauthorized, "The request you have made requires authentication.");
        var unknown = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = "nosuch", ["secret"] = secret }));
        KeystoneError((unknown.Status, unknown.Body), HttpStatusCode.NotFound, "Could not find Application Credential: nosuch.");
        var scoped = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = id, ["secret"] = secret }), new JsonObject { ["project"] = new JsonObject { ["id"] = cast.Alice.ProjectId } });
        KeystoneError((scoped.Status, scoped.Body), HttpStatusCode.Unauthorized, "Application credentials cannot request a scope.");
        var noUser = await AuthAsync(ApplicationCredential(new JsonObject { ["name"] = "short", ["secret"] = secret }));
        KeystoneError((noUser.Status, noUser.Body), HttpStatusCode.BadRequest, "Expecting to find user in application credential.");
        var noDomain = await AuthAsync(ApplicationCredential(new JsonObject { ["name"] = "short", ["secret"] = secret, ["user"] = new JsonObject { ["name"] = cast.Alice.UserName } }));
        KeystoneError((noDomain.Status, noDomain.Body), HttpStatusCode.BadRequest, "Expecting to find domain in user.");
        var numeric = await AuthAsync(new JsonObject { ["methods"] = new JsonArray(5) });
        KeystoneError((numeric.Status, numeric.Body), HttpStatusCode.BadRequest, "Expecting to find methods in the request.");
        var nothing = await AuthAsync(ApplicationCredential(new JsonObject { ["secret"] = secret }));
        KeystoneError((nothing.Status, nothing.Body), HttpStatusCode.BadRequest, "Expecting to find name or ID in application credential.");

        await Task.Delay(expires - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300));
        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", issued.Token));
        var expired = await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = id, ["secret"] = secret }));
        KeystoneError((expired.Status, expired.Body), HttpStatusCode.Unauthorized, "The request you have made requires authentication.");
    }

    [Fact]
    public async Task A_user_changes_their_own_password_with_the_original_and_every_token_of_theirs_is_revoked()
    {
        var cast = await CastAsync();
        var path = $"identity/v3/users/{cast.Alice.UserId}/password";
        JsonObject Change(string original, string password) => new() { ["user"] = new JsonObject { ["original_password"] = original, ["password"] = password } };

        // Whoever asks (the admin, another user, a reader, no one), the original password is what authorizes it.
        foreach (var token in new[] { cast.Admin, cast.Bob.Token, cast.Carol.Token, null })
        {
            KeystoneError(await CallAsync(HttpMethod.Post, path, token, Change("wrong", "stolen")), HttpStatusCode.Unauthorized, "The request you have made requires authentication.");
        }

        KeystoneError(await CallAsync(HttpMethod.Post, "identity/v3/users/nosuch/password", null, Change("x", "y")), HttpStatusCode.Unauthorized, "requires authentication");
        KeystoneError(await CallAsync(HttpMethod.Post, path, cast.Alice.Token, new JsonObject { ["user"] = new JsonObject { ["password"] = "x" } }),
            HttpStatusCode.BadRequest, "'original_password' is a required property");
        KeystoneError(await CallAsync(HttpMethod.Post, path, cast.Alice.Token, new JsonObject { ["user"] = new JsonObject { ["original_password"] = cast.AlicePassword } }),
            HttpStatusCode.BadRequest, "'password' is a required property");
        KeystoneError(await CallAsync(HttpMethod.Post, path, cast.Alice.Token, new JsonObject { ["user"] = new JsonObject { ["original_password"] = cast.AlicePassword, ["password"] = "a", ["x"] = 1 } }),
            HttpStatusCode.BadRequest, "Additional properties are not allowed ('x' was unexpected)");
        KeystoneError(await CallAsync(HttpMethod.Post, path, cast.Alice.Token, new JsonObject { ["user"] = new JsonObject { ["original_password"] = cast.AlicePassword, ["password"] = 5 } }),
            HttpStatusCode.BadRequest, "Invalid input for field 'password'");
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", cast.Alice.Token));

        var (credentialId, credentialSecret) = await CreateCredentialAsync(cast.Alice);
        var credentialToken = (await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = credentialId, ["secret"] = credentialSecret }))).Token;
        var unscoped = (await Kura.IssueTokenAsync(cast.Alice.UserName!, cast.AlicePassword, null)).Token;
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(HttpMethod.Post, path, cast.Alice.Token, Change(cast.AlicePassword, "alice-new-pw"))).Status);

        foreach (var token in new[] { cast.Alice.Token, unscoped, credentialToken! })
        {
            Assert.Equal(HttpStatusCode.NotFound, await ValidateStatusAsync(cast.Admin, token));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthAsync(Password(cast.Alice.UserName!, cast.AlicePassword))).Status);
        Assert.Equal(HttpStatusCode.Created, (await AuthAsync(Password(cast.Alice.UserName!, "alice-new-pw"))).Status);
        // The application credential survives the password change (as Keystone's).
        Assert.Equal(HttpStatusCode.Created, (await AuthAsync(ApplicationCredential(new JsonObject { ["id"] = credentialId, ["secret"] = credentialSecret }))).Status);
        // Others' tokens are untouched.
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", cast.Bob.Token));
    }

    [Fact]
    public async Task A_group_takes_only_users_of_its_domain_and_a_disabled_user_loses_their_credentials()
    {
        var cast = await CastAsync();
        var store = Kura.Services.GetRequiredService<IIdentityStore>();
        var other = "dom-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await store.TryAddDomainAsync(new IdentityDomain(other, other, "", true), CancellationToken.None));
        var groupId = (await Kura.SendJsonAsync(HttpMethod.Post, "identity/v3/groups", cast.Admin,
            new JsonObject { ["group"] = new JsonObject { ["name"] = "elsewhere", ["domain_id"] = other } }))["group"]!["id"]!.GetValue<string>();
        KeystoneError(await CallAsync(HttpMethod.Put, $"identity/v3/groups/{groupId}/users/{cast.Alice.UserId}", cast.Admin), HttpStatusCode.BadRequest,
            $"cannot join group {groupId} of domain {other}");
        KeystoneError(await CallAsync(HttpMethod.Patch, $"identity/v3/groups/{groupId}", cast.Admin, new JsonObject { ["group"] = new JsonObject { ["domain_id"] = "default" } }),
            HttpStatusCode.BadRequest, "Cannot change Domain ID.");
        KeystoneError(await CallAsync(HttpMethod.Post, "identity/v3/groups", cast.Admin, new JsonObject { ["group"] = new JsonObject { ["name"] = "x", ["domain_id"] = "nosuch" } }),
            HttpStatusCode.NotFound, "Could not find domain: nosuch.");
        var noRole = await AuthAsync(Password(cast.Alice.UserName!, cast.AlicePassword), new JsonObject { ["domain"] = new JsonObject { ["id"] = other } });
        Assert.Equal(HttpStatusCode.Unauthorized, noRole.Status);

        var (credentialId, _) = await CreateCredentialAsync(cast.Alice);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(HttpMethod.Patch, $"identity/v3/users/{cast.Alice.UserId}", cast.Admin, new JsonObject { ["user"] = new JsonObject { ["enabled"] = false } })).Status);
        Assert.Null(await store.FindApplicationCredentialAsync(credentialId, CancellationToken.None));
    }
}
