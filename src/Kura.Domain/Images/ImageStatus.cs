namespace Kura.Domain.Images;

/// <summary>Glance's image status machine (reference §1.16), as lower-case wire strings.</summary>
public static class ImageStatus
{
    public const string Queued = "queued";
    public const string Saving = "saving";
    public const string Uploading = "uploading";
    public const string Importing = "importing";
    public const string Active = "active";
    public const string Killed = "killed";
    public const string Deleted = "deleted";
    public const string PendingDelete = "pending_delete";
    public const string Deactivated = "deactivated";

    private static readonly Dictionary<string, string[]> Targets = new(StringComparer.Ordinal)
    {
        [Queued] = [Saving, Uploading, Importing, Active, Deleted],
        [Saving] = [Active, Killed, Deleted, Queued],
        [Uploading] = [Importing, Queued, Deleted],
        [Importing] = [Active, Deleted, Queued],
        [Active] = [PendingDelete, Deleted, Deactivated],
        [Killed] = [Deleted],
        [PendingDelete] = [Deleted, Active],
        [Deleted] = [],
        [Deactivated] = [Active, Deleted],
    };

    public static IReadOnlyCollection<string> All => Targets.Keys;

    public static bool CanMove(string from, string to) =>
        Targets.TryGetValue(from, out var targets) && targets.Contains(to);
}
