namespace Kura.Domain.Blobs;

/// <summary>
/// A request body that streams from an upload, read once and never buffered (a Swift segment). The host's outbound
/// pipeline reads these to decide: such a request may be sent again only while <see cref="Started"/> is false (not a
/// byte of it went out, so none reached the store), no timeout cuts it (it lasts as long as the client
/// sends), and a failure of the source (<see cref="SourceFailed"/>: the client's fault) does not count against the
/// store's circuit breaker.
/// </summary>
public interface IStreamedBody
{
    /// <summary>Whether sending the body has begun (from then on its source is being consumed and cannot be rewound).</summary>
    bool Started { get; }

    /// <summary>Whether reading the source failed (the uploading client stopped or broke off).</summary>
    bool SourceFailed { get; }
}
