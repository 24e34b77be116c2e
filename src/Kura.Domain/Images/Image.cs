namespace Kura.Domain.Images;

/// <summary>
/// One image record. Status changes go through <see cref="MoveTo"/>, which enforces Glance's state machine;
/// everything else is plain data that the service validates before it is stored.
/// </summary>
public sealed class Image
{
    public required string Id { get; init; }

    public string? Name { get; set; }

    public string? DiskFormat { get; set; }

    public string? ContainerFormat { get; set; }

    public string Visibility { get; set; } = ImageVisibility.Shared;

    public long? Size { get; set; }

    public long? VirtualSize { get; set; }

    public string Status { get; private set; } = ImageStatus.Queued;

    public string? Checksum { get; set; }

    public string? OsHashAlgo { get; set; }

    public string? OsHashValue { get; set; }

    public bool Protected { get; set; }

    public long MinRam { get; set; }

    public long MinDisk { get; set; }

    public string? Owner { get; set; }

    public bool OsHidden { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Where the blob store keeps the data; null while the image has none.</summary>
    public string? Location { get; set; }

    /// <summary>Where staged data (interoperable import, glance-direct) waits for its import; null otherwise.</summary>
    public string? StagingLocation { get; set; }

    /// <summary>
    /// The node that moved the image into <c>saving</c>, <c>uploading</c> or <c>importing</c>; when that node is
    /// gone, recovery puts the image back to <c>queued</c>. Meaningless in other statuses.
    /// </summary>
    public string? Worker { get; set; }

    /// <summary>Optimistic-concurrency version; the store bumps it on every update.</summary>
    public long Version { get; set; }

    public List<string> Tags { get; init; } = [];

    /// <summary>Extra properties in insertion order (Glance renders them before the base keys).</summary>
    public List<KeyValuePair<string, string>> Properties { get; init; } = [];

    /// <summary>Restores a stored status without running the state machine (for stores rehydrating rows).</summary>
    public static Image Rehydrate(string id, string status, DateTimeOffset createdAt)
    {
        var image = new Image { Id = id, CreatedAt = createdAt };
        image.Status = status;
        return image;
    }

    /// <summary>A copy with its own tag and property lists, so that a change to this image leaves the copy as it was.</summary>
    public Image Copy()
    {
        var copy = Rehydrate(Id, Status, CreatedAt);
        copy.Name = Name;
        copy.DiskFormat = DiskFormat;
        copy.ContainerFormat = ContainerFormat;
        copy.Visibility = Visibility;
        copy.Size = Size;
        copy.VirtualSize = VirtualSize;
        copy.Checksum = Checksum;
        copy.OsHashAlgo = OsHashAlgo;
        copy.OsHashValue = OsHashValue;
        copy.Protected = Protected;
        copy.MinRam = MinRam;
        copy.MinDisk = MinDisk;
        copy.Owner = Owner;
        copy.OsHidden = OsHidden;
        copy.UpdatedAt = UpdatedAt;
        copy.Location = Location;
        copy.StagingLocation = StagingLocation;
        copy.Version = Version;
        copy.Tags.AddRange(Tags);
        copy.Properties.AddRange(Properties);
        return copy;
    }

    /// <summary>Moves the image to <paramref name="target"/> or throws Glance's 409 for an illegal transition.</summary>
    public void MoveTo(string target)
    {
        if (!ImageStatus.CanMove(Status, target))
        {
            throw KuraException.Conflict($"Image status transition from {Status} to {target} is not allowed");
        }

        if (Status is ImageStatus.Queued or ImageStatus.Uploading &&
            target is ImageStatus.Saving or ImageStatus.Active or ImageStatus.Importing &&
            (DiskFormat is null || ContainerFormat is null))
        {
            throw KuraException.BadRequest("Properties disk_format, container_format must be set prior to saving data.");
        }

        if (target == ImageStatus.Queued)
        {
            Size = null;
            VirtualSize = null;
        }

        Status = target;
    }

    public bool HasData => Location is not null && Status is ImageStatus.Active or ImageStatus.Deactivated;
}

public static class ImageVisibility
{
    public const string Public = "public";
    public const string Private = "private";
    public const string Shared = "shared";
    public const string Community = "community";

    public static readonly string[] All = [Community, Public, Private, Shared];
}

public static class MemberStatus
{
    public const string Pending = "pending";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";

    public static readonly string[] All = [Pending, Accepted, Rejected];
}
