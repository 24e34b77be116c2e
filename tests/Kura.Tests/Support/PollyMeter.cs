using System.Diagnostics.Metrics;

namespace Kura.Tests.Support;

/// <summary>
/// What Polly reports on its <c>Polly</c> meter, as an exporter reads it: each measurement's instrument, its
/// <c>event.name</c> (<c>OnRetry</c>, <c>OnCircuitOpened</c>, …) and its <c>pipeline.name</c>. Listens to every Polly
/// pipeline in the process, so tests match on the pipeline's name.
/// </summary>
public sealed class PollyMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, string Event, string Pipeline)> _seen = [];

    public PollyMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Polly")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Record(instrument, tags));
        _listener.Start();
    }

    /// <summary>Whether <c>resilience.polly.strategy.events</c> counted <paramref name="eventName"/> on a pipeline named <paramref name="pipeline"/>….</summary>
    public bool Saw(string eventName, string pipeline) =>
        Any(e => e.Instrument == "resilience.polly.strategy.events" && e.Event == eventName && e.Pipeline.StartsWith(pipeline, StringComparison.Ordinal));

    /// <summary>Whether <paramref name="instrument"/> measured anything on a pipeline named <paramref name="pipeline"/>….</summary>
    public bool Measured(string instrument, string pipeline) =>
        Any(e => e.Instrument == instrument && e.Pipeline.StartsWith(pipeline, StringComparison.Ordinal));

    public string Describe()
    {
        lock (_seen)
        {
            return string.Join(", ", _seen.Distinct().Select(e => $"{e.Instrument}:{e.Event}@{e.Pipeline}"));
        }
    }

    public void Dispose() => _listener.Dispose();

    private bool Any(Func<(string Instrument, string Event, string Pipeline), bool> match)
    {
        lock (_seen)
        {
            return _seen.Any(match);
        }
    }

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? name = null, pipeline = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "event.name")
            {
                name = tag.Value?.ToString();
            }
            else if (tag.Key == "pipeline.name")
            {
                pipeline = tag.Value?.ToString();
            }
        }

        lock (_seen)
        {
            _seen.Add((instrument.Name, name ?? "", pipeline ?? ""));
        }
    }
}
