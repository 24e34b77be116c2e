namespace Kura.Tests.Storage;

/// <summary>
/// The base of every store conformance suite: a fresh, migrated database of the backend the subclass names
/// (<see cref="TestDatabase.Sqlite"/> or <see cref="TestDatabase.Postgres"/>), a fixed time, and no cancellation.
/// </summary>
public abstract class StoreConformance(TestDatabase db) : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    protected static readonly CancellationToken None = CancellationToken.None;

    protected TestDatabase Db => db;

    public virtual Task InitializeAsync() => db.InitializeAsync();

    public Task DisposeAsync() => db.DisposeAsync();
}
