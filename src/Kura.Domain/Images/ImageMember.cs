namespace Kura.Domain.Images;

/// <summary>A project an image is shared with, and whether it accepted the share (reference §1.13).</summary>
public sealed record ImageMember(string ImageId, string MemberId, string Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
