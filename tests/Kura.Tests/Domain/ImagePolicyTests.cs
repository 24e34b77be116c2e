using Kura.Domain;
using Kura.Domain.Images;
using Kura.Domain.Policy;
using Kura.Storage.Relational;
using Kura.Storage.Sqlite;

namespace Kura.Tests.Domain;

/// <summary>Each provider rule on its own, and the presets that compose them.</summary>
public sealed class ImagePolicyTests : IAsyncLifetime
{
    private static readonly Caller Member = new("u", "p", ["member"]);
    private static readonly Caller Admin = new("a", "admin", ["admin"]);
    private readonly TempSqlite _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    private static Image NewImage(string visibility = ImageVisibility.Private, params (string Key, string Value)[] properties)
    {
        var image = new Image { Id = Guid.NewGuid().ToString(), Visibility = visibility, Owner = "p" };
        image.Properties.AddRange(properties.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        return image;
    }

    private static ErrorKind Refusal(Action action) => Assert.Throws<KuraException>(action).Kind;

    [Fact]
    public void OsTypeRequired_wants_linux_or_windows_on_create()
    {
        var rule = new OsTypeRequired();
        Assert.Equal(ErrorKind.BadRequest, Refusal(() => ((IImageRule)rule).OnCreate(Member, NewImage())));
        Assert.Equal(ErrorKind.BadRequest, Refusal(() => ((IImageRule)rule).OnCreate(Admin, NewImage(properties: ("os_type", "solaris")))));
        ((IImageRule)rule).OnCreate(Member, NewImage(properties: ("os_type", "linux")));
        ((IImageRule)rule).OnCreate(Member, NewImage(properties: ("os_type", "windows")));
    }

    [Fact]
    public void OsTypeRequired_checks_updates_only_when_os_type_changes()
    {
        IImageRule rule = new OsTypeRequired();
        var legacy = NewImage();
        var renamed = legacy.Copy();
        renamed.Name = "renamed";
        rule.OnUpdate(Member, legacy, renamed);

        var linux = NewImage(properties: ("os_type", "linux"));
        var removed = linux.Copy();
        removed.Properties.Clear();
        Assert.Equal(ErrorKind.BadRequest, Refusal(() => rule.OnUpdate(Member, linux, removed)));
        var windows = linux.Copy();
        windows.Properties[0] = new("os_type", "windows");
        rule.OnUpdate(Member, linux, windows);
    }

    [Theory]
    [InlineData(ImageVisibility.Private, false, true)]
    [InlineData(ImageVisibility.Shared, false, true)]
    [InlineData(ImageVisibility.Community, false, false)]
    [InlineData(ImageVisibility.Public, false, false)]
    [InlineData(ImageVisibility.Community, true, true)]
    [InlineData(ImageVisibility.Public, true, true)]
    public void PrivateOrSharedVisibility_limits_users_not_admins(string visibility, bool admin, bool allowed)
    {
        IImageRule rule = new PrivateOrSharedVisibility();
        var caller = admin ? Admin : Member;
        var before = NewImage();
        var after = before.Copy();
        after.Visibility = visibility;
        if (allowed)
        {
            rule.OnCreate(caller, NewImage(visibility));
            rule.OnUpdate(caller, before, after);
        }
        else
        {
            Assert.Equal(ErrorKind.Forbidden, Refusal(() => rule.OnCreate(caller, NewImage(visibility))));
            Assert.Equal(ErrorKind.Forbidden, Refusal(() => rule.OnUpdate(caller, before, after)));
        }

        // An image that already has a visibility keeps it through unrelated changes.
        var community = NewImage(ImageVisibility.Community);
        rule.OnUpdate(Member, community, community.Copy());
    }

    [Fact]
    public void PublicImagesUndeletable_refuses_everyone()
    {
        IImageRule rule = new PublicImagesUndeletable();
        Assert.Equal(ErrorKind.Forbidden, Refusal(() => rule.OnDelete(Admin, NewImage(ImageVisibility.Public))));
        Assert.Equal(ErrorKind.Forbidden, Refusal(() => rule.OnDelete(Member, NewImage(ImageVisibility.Public))));
        rule.OnDelete(Member, NewImage(ImageVisibility.Shared));
        rule.OnDelete(Member, NewImage(ImageVisibility.Community));
    }

    [Fact]
    public void NoReservedTags_refuses_new_underscore_tags_from_users()
    {
        IImageRule rule = new NoReservedTags();
        var tagged = NewImage();
        tagged.Tags.Add("_AVAILABLE_");
        Assert.Equal(ErrorKind.BadRequest, Refusal(() => rule.OnCreate(Member, tagged)));
        rule.OnCreate(Admin, tagged);

        var plain = NewImage();
        var added = plain.Copy();
        added.Tags.Add("_x");
        Assert.Equal(ErrorKind.BadRequest, Refusal(() => rule.OnUpdate(Member, plain, added)));
        rule.OnUpdate(Admin, plain, added);

        // A tag the image already carries is not the user's doing.
        var more = tagged.Copy();
        more.Tags.Add("a_b");
        rule.OnUpdate(Member, tagged, more);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("yes", false)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    public void DownloadNeedsPermission_reads_nhncloud_allow_download(string? value, bool allowed)
    {
        IImageRule rule = new DownloadNeedsPermission();
        var image = value is null ? NewImage() : NewImage(properties: ("nhncloud_allow_download", value));
        if (allowed)
        {
            rule.OnDownload(Member, image);
            rule.OnDownload(Admin, image);
        }
        else
        {
            Assert.Equal(ErrorKind.Forbidden, Refusal(() => rule.OnDownload(Member, image)));
            Assert.Equal(ErrorKind.Forbidden, Refusal(() => rule.OnDownload(Admin, image)));
        }
    }

    [Fact]
    public async Task ProjectImageSizeQuota_is_the_projects_own_or_the_default()
    {
        var store = new RelationalImageStore(_db.Database);
        IImageRule rule = new ProjectImageSizeQuota(store, 50L << 30, 500L << 30);
        Assert.Equal(50L << 30, await rule.StorageQuotaAsync("p", CancellationToken.None));
        await store.SetStorageQuotaAsync("p", 550L << 30, CancellationToken.None);
        await store.SetStorageQuotaAsync("p", 1050L << 30, CancellationToken.None);
        Assert.Equal(1050L << 30, await rule.StorageQuotaAsync("p", CancellationToken.None));
        Assert.Equal(50L << 30, await rule.StorageQuotaAsync("q", CancellationToken.None));
    }

    [Theory]
    [InlineData(50, true)]
    [InlineData(550, true)]
    [InlineData(1050, true)]
    [InlineData(49, false)]
    [InlineData(100, false)]
    [InlineData(551, false)]
    public void ProjectImageSizeQuota_plans_are_the_default_plus_whole_steps(long gb, bool allowed)
    {
        var rule = new ProjectImageSizeQuota(new RelationalImageStore(_db.Database), 50L << 30, 500L << 30);
        if (allowed)
        {
            rule.CheckPlan(gb << 30);
        }
        else
        {
            Assert.Equal(ErrorKind.BadRequest, Refusal(() => rule.CheckPlan(gb << 30)));
        }
    }

    [Theory]
    [InlineData("50GB", 50L << 30)]
    [InlineData("550GB", 550L << 30)]
    [InlineData("0.5GB", 1L << 29)]
    [InlineData("0.0009765625GB", 1L << 20)]
    [InlineData("50", null)]
    [InlineData("50gb", null)]
    [InlineData("-50GB", null)]
    [InlineData("GB", null)]
    [InlineData("0.0000000001GB", null)]
    [InlineData("99999999999999999999GB", null)]
    public void ConoHa_sizes_read_and_write_in_GB(string text, long? bytes)
    {
        Assert.Equal(bytes, ProjectImageSizeQuota.Parse(text));
        if (bytes is not null)
        {
            Assert.Equal(text, ProjectImageSizeQuota.Format(bytes.Value));
        }
    }

    [Fact]
    public void Presets_compose_their_rules()
    {
        var store = new RelationalImageStore(_db.Database);
        Assert.Empty(ImagePolicy.For(new PolicyOptions(), store).Rules);
        Assert.Equal(
            [typeof(OsTypeRequired), typeof(PrivateOrSharedVisibility), typeof(PublicImagesUndeletable), typeof(NoReservedTags), typeof(DownloadNeedsPermission)],
            ImagePolicy.For(new PolicyOptions { Preset = "nhn" }, store).Rules.Select(r => r.GetType()).ToArray());
        var conoha = ImagePolicy.For(new PolicyOptions { Preset = "Conoha", ConohaDefaultImageSize = 7 }, store);
        Assert.Equal(7, Assert.IsType<ProjectImageSizeQuota>(Assert.Single(conoha.Rules)).DefaultBytes);
        Assert.Throws<InvalidOperationException>(() => ImagePolicy.For(new PolicyOptions { Preset = "Aws" }, store));
    }

    [Fact]
    public void The_nhn_preset_changes_only_list_limits_left_unset()
    {
        var nhn = new PolicyOptions { Preset = PolicyOptions.Nhn };
        var unset = new ImageOptions { MaxListLimit = 5000 };
        unset.ApplyPresetDefaults(nhn, _ => false);
        Assert.Equal((100, 1000), (unset.DefaultListLimit, unset.MaxListLimit));

        var set = new ImageOptions { DefaultListLimit = 10, MaxListLimit = 20 };
        set.ApplyPresetDefaults(nhn, _ => true);
        Assert.Equal((10, 20), (set.DefaultListLimit, set.MaxListLimit));

        var glance = new ImageOptions();
        glance.ApplyPresetDefaults(new PolicyOptions(), _ => false);
        Assert.Equal((25, 1000), (glance.DefaultListLimit, glance.MaxListLimit));
    }
}
