using System.Data;
using System.Data.Common;
using System.Diagnostics;

namespace Kura.Storage.Relational;

/// <summary>
/// What a relational backend gives the shared stores: sessions on its database and the few things its SQL says
/// differently (<see cref="SqlDialect"/>). Everything else (the SQL of every store, binding, reading rows) is written
/// once in this project.
/// </summary>
public abstract class RelationalDatabase
{
    /// <summary>The <see cref="ActivitySource"/> of the units of work: one span per session, while anyone listens.</summary>
    public const string ActivitySourceName = "Kura.Storage";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    public abstract SqlDialect Dialect { get; }

    /// <summary>
    /// An open connection for one unit of work; disposing it gives the connection back. Traced as one client span
    /// (<c>db.system.name</c> the dialect's) from the open to the dispose, when a tracer listens.
    /// </summary>
    public async ValueTask<RelationalSession> SessionAsync(CancellationToken ct)
    {
        var span = Source.StartActivity(Dialect.SystemName, ActivityKind.Client);
        span?.SetTag("db.system.name", Dialect.SystemName);
        try
        {
            var session = await OpenSessionAsync(ct);
            session.Span = span;
            return session;
        }
        catch (Exception ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            span?.Dispose();
            throw;
        }
    }

    protected abstract ValueTask<RelationalSession> OpenSessionAsync(CancellationToken ct);
}

/// <summary>
/// One open connection. <see cref="Command"/> hands out a command that the session owns (a backend may keep it
/// prepared for the next use of the same SQL): bind, execute, and do not dispose it.
/// </summary>
public abstract class RelationalSession : IAsyncDisposable
{
    /// <summary>This unit of work's span, or null when nobody traces.</summary>
    internal Activity? Span { get; set; }

    public abstract DbCommand Command(string sql, DbTransaction? tx = null);

    public abstract Task<DbTransaction> BeginTransactionAsync(CancellationToken ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        finally
        {
            Span?.Dispose();
            Span = null;
        }
    }

    /// <summary>Gives the connection back (to the backend's pool, or closes it).</summary>
    protected abstract ValueTask CloseAsync();

    /// <summary>
    /// Records a statement on the session's span (<c>db.query.text</c>), for a driver that traces none itself; the SQL
    /// is Kura's own text, values travel as parameters and are never recorded.
    /// </summary>
    protected void RecordStatement(string sql) =>
        Span?.AddEvent(new ActivityEvent("db.query", tags: new ActivityTagsCollection { ["db.query.text"] = sql }));
}

/// <summary>
/// What truly differs between the SQL of the backends, as data: SQLite's and PostgreSQL's side by side. Values always
/// travel as parameters; the backend supplies what needs its driver (how it reports a unique violation).
/// </summary>
public sealed class SqlDialect
{
    private SqlDialect()
    {
    }

    /// <summary>The database's name in OpenTelemetry's conventions (<c>db.system.name</c>): <c>sqlite</c>, <c>postgresql</c>.</summary>
    public required string SystemName { get; init; }

    /// <summary>The literals of a boolean column (SQLite stores 0 and 1; its partial indexes name them so).</summary>
    public required string False { get; init; }

    public required string True { get; init; }

    /// <summary>Sort only ids and keys before reading a page's rows when the database must sort (ImageListSql.Page).</summary>
    public bool NarrowSorts { get; private init; }

    /// <summary>Insert an image's properties and tags with one statement each (arrays) rather than one per row.</summary>
    public bool ArrayParameters { get; private init; }

    /// <summary>
    /// A scalar subquery: the rows of <paramref name="rolesSelect"/> (a <c>SELECT id, name …</c> that may refer to an
    /// outer row) as a JSON array of [id, name] in name order.
    /// </summary>
    public string RolesJson(string rolesSelect) => RolesJsonOf(rolesSelect);

    private Func<string, string> RolesJsonOf { get; init; } = null!;

    /// <summary>The statement that tells other nodes an identity write happened, or null for a single-node database.</summary>
    public string? IdentityChanged { get; private init; }

    private Func<string, string, string> ListCondition { get; init; } = null!;

    private Func<IReadOnlyCollection<string>, object> ListParameter { get; init; } = null!;

    private Func<Exception, bool> UniqueViolation { get; init; } = null!;

    /// <summary>SQLite: one writer, 0/1 booleans, JSON arrays for lists, no notifications.</summary>
    public static SqlDialect Sqlite(Func<Exception, bool> isUniqueViolation) => new()
    {
        SystemName = "sqlite",
        False = "0",
        True = "1",
        NarrowSorts = true,
        RolesJsonOf = roles => $"(SELECT json_group_array(json_array(x.id, x.name)) FROM ({roles} ORDER BY 2) x)",
        ListCondition = (column, parameter) => $"{column} IN (SELECT value FROM json_each({parameter}))",
        ListParameter = items => System.Text.Json.JsonSerializer.Serialize(items),
        UniqueViolation = isUniqueViolation,
    };

    /// <summary>PostgreSQL: real booleans, text arrays, its own top-N sort, NOTIFY on <paramref name="identityChannel"/>.</summary>
    public static SqlDialect Postgres(Func<Exception, bool> isUniqueViolation, string identityChannel) => new()
    {
        SystemName = "postgresql",
        False = "FALSE",
        True = "TRUE",
        ArrayParameters = true,
        RolesJsonOf = roles => $"(SELECT COALESCE(json_agg(json_build_array(x.id, x.name) ORDER BY x.name), '[]'::json)::text FROM ({roles}) x)",
        IdentityChanged = "NOTIFY " + identityChannel,
        ListCondition = (column, parameter) => $"{column} = ANY({parameter})",
        ListParameter = items => items.ToArray(),
        UniqueViolation = isUniqueViolation,
    };

    /// <summary>A condition that <paramref name="column"/> is one of the strings bound as <paramref name="parameter"/>.</summary>
    public string InList(string column, string parameter) => ListCondition(column, parameter);

    /// <summary>The value to bind for <see cref="InList"/>.</summary>
    public object ListValue(IReadOnlyCollection<string> items) => ListParameter(items);

    /// <summary>A unique or primary-key violation.</summary>
    public bool IsUniqueViolation(Exception ex) => UniqueViolation(ex);
}

/// <summary>Binding and reading helpers every store uses; a null travels with its column's type.</summary>
public static class Sql
{
    public static DbCommand Bind(this DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        if (value is null)
        {
            p.DbType = DbType.String;
            p.Value = DBNull.Value;
        }
        else
        {
            p.Value = value;
        }

        cmd.Parameters.Add(p);
        return cmd;
    }

    public static DbCommand BindInt64(this DbCommand cmd, string name, long? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.DbType = DbType.Int64;
        p.Value = value is { } v ? v : DBNull.Value;
        cmd.Parameters.Add(p);
        return cmd;
    }

    /// <summary>Binds <paramref name="args"/> as @a, @b, … in order.</summary>
    public static DbCommand BindPositional(this DbCommand cmd, object?[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            cmd.Bind("@" + (char)('a' + i), args[i]);
        }

        return cmd;
    }

    public static string? NullableString(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public static long? NullableInt64(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
}
