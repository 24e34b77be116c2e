using Microsoft.Extensions.Logging;

namespace Kura.Domain.Blobs;

/// <summary>Deleting data that nothing points at any more, where a failure must not hide the error being handled.</summary>
public static partial class BlobCleanup
{
    /// <summary>
    /// Deletes <paramref name="key"/>; when the store fails (it may be why we are cleaning up), logs it and leaves the
    /// blob to <see cref="Cluster.RecoveryService"/>'s sweep, which deletes data no image points at.
    /// </summary>
    public static async Task DeleteOrLeaveAsync(this IBlobStore blobs, string key, ILogger logger)
    {
        try
        {
            await blobs.DeleteAsync(key, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogLeft(logger, key, ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete blob {Key} ({Error}: {Message}); the recovery sweep will")]
    private static partial void LogLeft(ILogger logger, string key, string error, string message);
}
