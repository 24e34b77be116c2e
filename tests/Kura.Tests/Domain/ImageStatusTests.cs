using Kura.Domain;
using Kura.Domain.Images;

namespace Kura.Tests.Domain;

public sealed class ImageStatusTests
{
    public static TheoryData<string, string> AllPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var from in ImageStatus.All)
        {
            foreach (var to in ImageStatus.All)
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    private static readonly HashSet<(string, string)> Allowed =
    [
        ("queued", "saving"), ("queued", "uploading"), ("queued", "importing"), ("queued", "active"), ("queued", "deleted"),
        ("saving", "active"), ("saving", "killed"), ("saving", "deleted"), ("saving", "queued"),
        ("uploading", "importing"), ("uploading", "queued"), ("uploading", "deleted"),
        ("importing", "active"), ("importing", "deleted"), ("importing", "queued"),
        ("active", "pending_delete"), ("active", "deleted"), ("active", "deactivated"),
        ("killed", "deleted"),
        ("pending_delete", "deleted"), ("pending_delete", "active"),
        ("deactivated", "active"), ("deactivated", "deleted"),
    ];

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Every_transition_follows_glances_state_machine(string from, string to)
    {
        var image = Image.Rehydrate(Guid.NewGuid().ToString(), from, DateTimeOffset.UnixEpoch);
        image.DiskFormat = "raw";
        image.ContainerFormat = "bare";
        if (Allowed.Contains((from, to)))
        {
            image.MoveTo(to);
            Assert.Equal(to, image.Status);
        }
        else
        {
            var ex = Assert.Throws<KuraException>(() => image.MoveTo(to));
            Assert.Equal(ErrorKind.Conflict, ex.Kind);
            Assert.Equal($"Image status transition from {from} to {to} is not allowed", ex.Explanation);
            Assert.Equal(from, image.Status);
        }
    }

    [Theory]
    [InlineData(null, "bare")]
    [InlineData("raw", null)]
    [InlineData(null, null)]
    public void Saving_data_needs_both_formats(string? disk, string? container)
    {
        var image = new Image { Id = "x", DiskFormat = disk, ContainerFormat = container };
        var ex = Assert.Throws<KuraException>(() => image.MoveTo(ImageStatus.Saving));
        Assert.Equal(ErrorKind.BadRequest, ex.Kind);
        Assert.Equal(ImageStatus.Queued, image.Status);
    }

    [Fact]
    public void Going_back_to_queued_clears_the_sizes()
    {
        var image = new Image { Id = "x", DiskFormat = "raw", ContainerFormat = "bare" };
        image.MoveTo(ImageStatus.Saving);
        image.Size = 10;
        image.VirtualSize = 10;
        image.MoveTo(ImageStatus.Queued);
        Assert.Null(image.Size);
        Assert.Null(image.VirtualSize);
    }
}
