using System.Data;
using System.Globalization;
using System.Reflection;
using DbUp.Builder;
using DbUp.Engine;
using DbUp.Engine.Filters;
using DbUp.Engine.Output;
using DbUp.Engine.Transactions;
using DbUp.Support;
using Microsoft.Extensions.Logging;

namespace Kura.Storage.Relational;

/// <summary>
/// A backend's numbered migrations, embedded as <c>Migrations/NNNN_name.sql</c>, applied by DbUp in order, each in
/// its own transaction, and journaled in Kura's own <c>schema_migrations (version, name, applied_at)</c>: the table
/// Kura's earlier hand-written runner kept, so a database it made upgrades in place. A script whose version is
/// recorded there never runs again.
/// </summary>
public static partial class SchemaMigrations
{
    /// <summary>
    /// Runs, on the connection <paramref name="builder"/> names, every script under <paramref name="prefix"/> in
    /// <paramref name="assembly"/> whose version is not recorded; calls <paramref name="applied"/> after each one
    /// commits. Returns the schema version reached. A failing script is rolled back and stops the run (the ones
    /// before it stay applied) with an exception that names it. DbUp's own lines go to <paramref name="logger"/> at
    /// Debug. DbUp runs synchronously and takes no cancellation token: callers check theirs before calling.
    /// </summary>
    public static int Apply(
        UpgradeEngineBuilder builder, Assembly assembly, string prefix, SchemaJournalSql sql, ILogger logger, Action<int, string> applied)
    {
        SchemaJournal journal = null!;
        var engine = builder
            .WithScriptsEmbeddedInAssembly(assembly, name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .JournalTo((connections, _) => journal = new SchemaJournal(connections, prefix, sql))
            .WithFilter(new RecordedVersionFilter(prefix))
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .LogTo(new DebugUpgradeLog(logger))
            .Build();
        engine.ScriptExecuted += (_, e) =>
        {
            var (version, name) = Parse(prefix, ((ScriptExecutedEventArgs)e).Script.Name);
            applied(version, name);
        };

        var result = engine.PerformUpgrade();
        if (!result.Successful)
        {
            var what = result.ErrorScript is { } script && Parse(prefix, script.Name) is var (version, name)
                ? $"Schema migration {version:D4}_{name}.sql failed and was rolled back (the migrations before it stay applied)"
                : "Schema migrations failed";
            throw new InvalidOperationException($"{what}: {result.Error.Message}", result.Error);
        }

        return result.Scripts.Select(s => Parse(prefix, s.Name).Version).Concat(journal.Recorded).DefaultIfEmpty(0).Max();
    }

    /// <summary>The version and name in <c>{prefix}NNNN_name.sql</c>.</summary>
    private static (int Version, string Name) Parse(string prefix, string scriptName)
    {
        var file = scriptName[prefix.Length..^".sql".Length];
        return (int.Parse(file[..4], CultureInfo.InvariantCulture), file[5..]);
    }

    /// <summary>DbUp's journal over <c>schema_migrations</c>: a row per applied script, written in the script's transaction.</summary>
    private sealed class SchemaJournal(Func<IConnectionManager> connections, string prefix, SchemaJournalSql sql) : IJournal
    {
        /// <summary>The versions recorded when DbUp asked, before it ran anything.</summary>
        public IReadOnlyList<int> Recorded { get; private set; } = [];

        public string[] GetExecutedScripts()
        {
            var rows = connections().ExecuteCommandsWithManagedConnection(commands =>
            {
                EnsureTableExistsAndIsLatestVersion(commands);
                using var query = commands();
                query.CommandText = "SELECT version, name FROM schema_migrations ORDER BY version";
                using var reader = query.ExecuteReader();
                var found = new List<(int, string)>();
                while (reader.Read())
                {
                    found.Add((Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1)));
                }

                return found;
            });
            Recorded = [.. rows.Select(r => r.Item1)];
            return [.. rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{prefix}{r.Item1:D4}_{r.Item2}.sql"))];
        }

        public void StoreExecutedScript(SqlScript script, Func<IDbCommand> dbCommandFactory)
        {
            var (version, name) = Parse(prefix, script.Name);
            using var record = dbCommandFactory();
            record.CommandText = sql.Insert;
            Bind(record, "@version", version);
            Bind(record, "@name", name);
            if (sql.AppliedAt is { } appliedAt)
            {
                Bind(record, "@applied_at", appliedAt());
            }

            record.ExecuteNonQuery();
        }

        public void EnsureTableExistsAndIsLatestVersion(Func<IDbCommand> dbCommandFactory)
        {
            using var create = dbCommandFactory();
            create.CommandText = sql.CreateTable;
            create.ExecuteNonQuery();
        }

        private static void Bind(IDbCommand command, string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>Keeps the scripts whose version the journal lacks (not merely their file name).</summary>
    private sealed class RecordedVersionFilter(string prefix) : IScriptFilter
    {
        public IEnumerable<SqlScript> Filter(IEnumerable<SqlScript> sorted, HashSet<string> executedScriptNames, ScriptNameComparer comparer)
        {
            var recorded = executedScriptNames.Select(n => Parse(prefix, n).Version).ToHashSet();
            return sorted.Where(s => !recorded.Contains(Parse(prefix, s.Name).Version));
        }
    }

    /// <summary>DbUp's progress lines, at Debug: Kura logs each applied migration itself.</summary>
    private sealed partial class DebugUpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => Write(null, format, args);

        public void LogDebug(string format, params object[] args) => Write(null, format, args);

        public void LogInformation(string format, params object[] args) => Write(null, format, args);

        public void LogWarning(string format, params object[] args) => Write(null, format, args);

        public void LogError(string format, params object[] args) => Write(null, format, args);

        public void LogError(Exception ex, string format, params object[] args) => Write(ex, format, args);

        private void Write(Exception? ex, string format, object[] args)
        {
            if (logger.IsEnabled(LogLevel.Debug))
            {
                LogDbUp(logger, ex, args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args));
            }
        }

        [LoggerMessage(Level = LogLevel.Debug, Message = "DbUp: {Line}")]
        private static partial void LogDbUp(ILogger logger, Exception? ex, string line);
    }
}

/// <summary>
/// How a dialect creates <c>schema_migrations</c> and records a script in it: <see cref="Insert"/> binds
/// <c>@version</c> and <c>@name</c>, and <c>@applied_at</c> from <see cref="AppliedAt"/> when the dialect gives one
/// (otherwise the column's default fills it).
/// </summary>
public sealed record SchemaJournalSql(string CreateTable, string Insert, Func<object>? AppliedAt = null);
