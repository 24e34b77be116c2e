using Kura.Domain;
using Kura.Domain.Authorization;
using Kura.Domain.Images;

namespace Kura.Tests.Domain;

/// <summary>The oslo.policy language and Glance's default rules, decided for each role, project and visibility.</summary>
public sealed class AuthorizerTests
{
    private static readonly Authorizer Defaults = new();

    private static Caller As(string project, params string[] roles) => new("u-" + project, project, roles);

    private static Image Image(string owner, string visibility) => new() { Id = "i1", Owner = owner, Visibility = visibility };

    /// <summary>Each role: whether it writes, reads and downloads in its own project.</summary>
    public static TheoryData<string, bool, bool, bool> Roles => new()
    {
        { "reader", false, true, false },
        { "member", true, true, true },
        { "admin", true, true, true },
    };

    [Theory]
    [MemberData(nameof(Roles))]
    public void Each_role_on_its_own_project(string role, bool writes, bool reads, bool downloads)
    {
        var caller = As("p", role);
        var image = Authorizer.ImageTarget(Image("p", ImageVisibility.Private));
        Assert.Equal(writes, Defaults.Check("add_image", caller, Authorizer.ProjectTarget(caller)));
        Assert.Equal(writes, Defaults.Check("modify_image", caller, image));
        Assert.Equal(writes, Defaults.Check("delete_image", caller, image));
        Assert.Equal(writes, Defaults.Check("upload_image", caller, image));
        Assert.Equal(writes, Defaults.Check("add_member", caller, image));
        Assert.Equal(reads, Defaults.Check("get_image", caller, image));
        Assert.Equal(reads, Defaults.Check("get_images", caller, Authorizer.ProjectTarget(caller)));
        Assert.Equal(downloads, Defaults.Check("download_image", caller, image));
        Assert.Equal(role == "admin", Defaults.Check("publicize_image", caller, image));
        Assert.Equal(role == "admin", Defaults.Check("copy_image", caller, image));
    }

    [Fact]
    public void Another_projects_member_writes_nothing_of_it_but_reads_what_is_shared_with_it()
    {
        var other = As("q", "member");
        var shared = Image("p", ImageVisibility.Shared);
        Assert.False(Defaults.Check("modify_image", other, Authorizer.ImageTarget(shared)));
        Assert.False(Defaults.Check("delete_image", other, Authorizer.ImageTarget(shared)));
        Assert.False(Defaults.Check("add_image", other, Authorizer.ProjectTarget(other, owner: "p")));
        Assert.True(Defaults.Check("get_image", other, Authorizer.ImageTarget(shared, memberId: "q")));
        Assert.True(Defaults.Check("modify_member", other, Authorizer.ImageTarget(shared, memberId: "q")));
        Assert.False(Defaults.Check("modify_member", As("p", "member"), Authorizer.ImageTarget(shared, memberId: "q")));
        Assert.True(Defaults.Check("get_image", other, Authorizer.ImageTarget(Image("p", ImageVisibility.Community))));
        Assert.False(Defaults.Check("get_image", As("q"), Authorizer.ImageTarget(Image("p", ImageVisibility.Public))));
    }

    [Fact]
    public void The_service_role_passes_the_service_rules_only()
    {
        var service = As("svc", "service");
        Assert.True(Defaults.Check("fetch_image_location", service, Authorizer.ImageTarget(Image("p", ImageVisibility.Private))));
        Assert.False(Defaults.Check("delete_image", service, Authorizer.ImageTarget(Image("p", ImageVisibility.Private))));
    }

    [Fact]
    public void Legacy_rules_allow_any_role_and_keep_the_admin_only_ones()
    {
        var legacy = new Authorizer(newDefaults: false);
        var reader = As("p", "reader");
        var image = Authorizer.ImageTarget(Image("p", ImageVisibility.Private));
        Assert.True(legacy.Check("delete_image", reader, image));
        Assert.True(legacy.Check("add_image", As("p"), Authorizer.ProjectTarget(reader)));
        Assert.False(legacy.Check("publicize_image", reader, image));
        Assert.False(legacy.Check("add_metadef_namespace", reader, image));
    }

    /// <summary>Check strings and whether a member of project p may, on p's image owned by someone else, private.</summary>
    public static TheoryData<string, bool> Checks => new()
    {
        { "", true },
        { "@", true },
        { "!", false },
        { "role:member", true },
        { "role:MEMBER", true },
        { "role:admin", false },
        { "not role:admin", true },
        { "role:admin or role:member and project_id:%(project_id)s", true },
        { "(role:admin or role:member) and project_id:%(owner)s", false },
        { "role:member and not (project_id:%(owner)s)", true },
        { "is_admin:True", false },
        { "is_admin:False", true },
        { "'private':%(visibility)s", true },
        { "'public':%(visibility)s", false },
        { "user_id:u-p", true },
        { "roles:member", true },
        { "roles:admin", false },
        { "project_id:%(no_such_attribute)s", false },
        { "rule:context_is_admin or rule:service_api", false },
        { "rule:no_such_rule", false },
    };

    [Theory]
    [MemberData(nameof(Checks))]
    public void The_check_language_reads_as_oslo_policy(string check, bool allowed)
    {
        var authorizer = new Authorizer(overrides: new Dictionary<string, string> { ["delete_image"] = check });
        var target = new Dictionary<string, string?> { ["project_id"] = "p", ["owner"] = "someone-else", ["visibility"] = "private" };
        Assert.Equal(allowed, authorizer.Check("delete_image", As("p", "member"), target));
    }

    /// <summary>Malformed check strings and what the error says of each.</summary>
    public static TheoryData<string, string> Malformed => new()
    {
        { "role:admin or", "missing" },
        { "(role:admin", "')' is missing" },
        { "role:admin)", "unexpected ')'" },
        { "admin", "not a check" },
        { "http://example.com/check", "not supported" },
        { "role:admin and and role:member", "unexpected 'and'" },
        { "'public:%(visibility)s", "quote is not closed" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_check_names_what_is_wrong(string check, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Authorizer(overrides: new Dictionary<string, string> { ["get_image"] = check }));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Contains("get_image", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_rule_name_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Authorizer(overrides: new Dictionary<string, string> { ["delete_images"] = "role:admin" }));
        Assert.Contains("'delete_images' is not one of Glance's policy rules", ex.Message, StringComparison.Ordinal);
    }
}
