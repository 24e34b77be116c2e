using System.Threading.Channels;
using Kura.Domain.Imports;

namespace Kura.Server.Imports;

/// <summary>
/// Runs scheduled import tasks on this node, <see cref="ImportOptions.Concurrency"/> at a time. On shutdown the
/// running ones are cancelled, which rolls their images back to <c>queued</c> and fails their tasks.
/// </summary>
public sealed partial class ImportScheduler(ImportOptions options, ILogger<ImportScheduler> logger) : BackgroundService, IImportScheduler
{
    private readonly Channel<(string TaskId, Func<CancellationToken, Task> Work)> _queue =
        Channel.CreateUnbounded<(string, Func<CancellationToken, Task>)>(new UnboundedChannelOptions { SingleReader = false });

    public void Schedule(string taskId, Func<CancellationToken, Task> work)
    {
        if (!_queue.Writer.TryWrite((taskId, work)))
        {
            throw new InvalidOperationException("The import queue is closed.");
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var (taskId, work) in _queue.Reader.ReadAllAsync(stop))
            {
                try
                {
                    await work(stop);
                }
                catch (Exception ex)
                {
                    LogTaskCrashed(ex, taskId);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Import task {TaskId} ended with an unexpected error")]
    private partial void LogTaskCrashed(Exception ex, string taskId);
}
