using System.Data.Common;
using System.Text.Json.Nodes;
using Kura.Domain.Metadefs;

namespace Kura.Storage.Relational;

/// <summary>Metadata-definition namespaces in a relational database, one row each with a JSON document.</summary>
public sealed class RelationalMetadefStore(RelationalDatabase db) : IMetadefStore
{
    private const string Columns = "namespace, owner, visibility, protected, document, created_at, updated_at, version";

    public async Task<MetadefNamespace?> FindAsync(string name, CancellationToken ct) =>
        (await QueryAsync($"SELECT {Columns} FROM metadef_namespaces WHERE namespace = @name", name, ct)).FirstOrDefault();

    public Task<IReadOnlyList<MetadefNamespace>> ListAsync(CancellationToken ct) =>
        QueryAsync($"SELECT {Columns} FROM metadef_namespaces ORDER BY namespace", null, ct);

    public async Task<bool> TryAddAsync(MetadefNamespace ns, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command($"INSERT INTO metadef_namespaces ({Columns}) VALUES (@name, @owner, @visibility, @protected, @document, @created, @updated, 1)");
        Bind(cmd, ns);
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
            ns.Version = 1;
            return true;
        }
        catch (Exception ex) when (db.Dialect.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    public async Task<bool> TryUpdateAsync(string storedName, MetadefNamespace ns, long expectedVersion, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command("""
            UPDATE metadef_namespaces SET namespace = @name, owner = @owner, visibility = @visibility, protected = @protected,
                document = @document, updated_at = @updated, version = version + 1
            WHERE namespace = @stored AND version = @expected
            """);
        Bind(cmd, ns);
        cmd.Bind("@stored", storedName);
        cmd.Bind("@expected", expectedVersion);
        try
        {
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }
        }
        catch (Exception ex) when (db.Dialect.IsUniqueViolation(ex))
        {
            return false;
        }

        ns.Version = expectedVersion + 1;
        return true;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command("DELETE FROM metadef_namespaces WHERE namespace = @name");
        cmd.Bind("@name", name);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    private static void Bind(DbCommand cmd, MetadefNamespace ns)
    {
        cmd.Bind("@name", ns.Namespace);
        cmd.Bind("@owner", ns.Owner);
        cmd.Bind("@visibility", ns.Visibility);
        cmd.Bind("@protected", ns.Protected);
        cmd.Bind("@document", ns.Document.ToJsonString());
        cmd.Bind("@created", Micros.From(ns.CreatedAt));
        cmd.Bind("@updated", Micros.From(ns.UpdatedAt));
    }

    private async Task<IReadOnlyList<MetadefNamespace>> QueryAsync(string sql, string? name, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command(sql);
        if (name is not null)
        {
            cmd.Bind("@name", name);
        }

        var result = new List<MetadefNamespace>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new MetadefNamespace
            {
                Namespace = reader.GetString(0),
                Owner = reader.IsDBNull(1) ? null : reader.GetString(1),
                Visibility = reader.GetString(2),
                Protected = reader.GetBoolean(3),
                Document = JsonNode.Parse(reader.GetString(4))!.AsObject(),
                CreatedAt = Micros.To(reader.GetInt64(5)),
                UpdatedAt = Micros.To(reader.GetInt64(6)),
                Version = reader.GetInt64(7),
            });
        }

        return result;
    }
}
