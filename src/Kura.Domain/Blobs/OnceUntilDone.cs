namespace Kura.Domain.Blobs;

/// <summary>
/// Runs a set-up step (creating a container or bucket) once, on first use; a step that failed or was cancelled runs
/// again at the next use, so a store that was unreachable at start recovers by itself.
/// </summary>
public sealed class OnceUntilDone(Func<CancellationToken, Task> step)
{
    private Task? _task;

    public Task RunAsync(CancellationToken ct)
    {
        var task = _task;
        if (task is null || task.IsFaulted || task.IsCanceled)
        {
            task = _task = step(ct);
        }

        return task;
    }
}
