using System.Data.Common;
using System.Text;
using Kura.Domain.Images;

namespace Kura.Storage.Relational;

/// <summary>
/// Image metadata in a relational database (SQLite or PostgreSQL). Every value reaches SQL as a parameter; only fixed
/// column names and the dialect's literals are spliced, once, so each statement's text is constant (SQLite keeps it
/// prepared per connection). A write that loses a race (another writer changed the row first) returns false, and the
/// domain retries.
/// </summary>
public sealed class RelationalImageStore(RelationalDatabase db) : IImageStore
{
    private const string Columns = """
        i.id, i.name, i.disk_format, i.container_format, i.visibility, i.size, i.virtual_size, i.status,
        i.checksum, i.os_hash_algo, i.os_hash_value, i.protected, i.min_ram, i.min_disk, i.owner, i.os_hidden,
        i.created_at, i.updated_at, i.location, i.version, i.staging, i.worker, i.properties_json, i.tags_json
        """;

    private readonly SqlDialect _d = db.Dialect;
    private readonly string _findSql = $"SELECT {Columns} FROM images i WHERE i.id = @id AND i.deleted = {db.Dialect.False}";
    private readonly string _listCondition = $"i.deleted = {db.Dialect.False} AND i.status <> 'killed' AND i.os_hidden = @os_hidden";

    public async Task<bool> TryAddAsync(Image image, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        await using var tx = await session.BeginTransactionAsync(ct);
        try
        {
            var insert = session.Command("""
                INSERT INTO images (id, name, disk_format, container_format, visibility, size, virtual_size, status,
                    checksum, os_hash_algo, os_hash_value, protected, min_ram, min_disk, owner, os_hidden,
                    created_at, updated_at, location, staging, worker, properties_json, tags_json, version)
                VALUES (@id, @name, @disk_format, @container_format, @visibility, @size, @virtual_size, @status,
                    @checksum, @os_hash_algo, @os_hash_value, @protected, @min_ram, @min_disk, @owner, @os_hidden,
                    @created_at, @updated_at, @location, @staging, @worker, @properties_json, @tags_json, 1)
                """, tx);
            BindImage(insert, image);
            await insert.ExecuteNonQueryAsync(ct);
            await WriteChildrenAsync(session, tx, image, ct);
            await tx.CommitAsync(ct);
            image.Version = 1;
            return true;
        }
        catch (Exception ex) when (_d.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    public async Task<Image?> FindAsync(string id, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command(_findSql);
        cmd.Bind("@id", id);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadImage(reader) : null;
    }

    public async Task<bool> TryUpdateAsync(Image image, long expectedVersion, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        await using var tx = await session.BeginTransactionAsync(ct);
        var update = session.Command($"""
            UPDATE images SET name = @name, disk_format = @disk_format, container_format = @container_format,
                visibility = @visibility, size = @size, virtual_size = @virtual_size, status = @status,
                checksum = @checksum, os_hash_algo = @os_hash_algo, os_hash_value = @os_hash_value,
                protected = @protected, min_ram = @min_ram, min_disk = @min_disk, owner = @owner,
                os_hidden = @os_hidden, updated_at = @updated_at, location = @location, staging = @staging, worker = @worker,
                properties_json = @properties_json, tags_json = @tags_json, version = version + 1
            WHERE id = @id AND version = @expected AND deleted = {_d.False}
            """, tx);
        BindImage(update, image);
        update.Bind("@expected", expectedVersion);
        if (await update.ExecuteNonQueryAsync(ct) == 0)
        {
            return false;
        }

        var clear = session.Command("DELETE FROM image_properties WHERE image_id = @id; DELETE FROM image_tags WHERE image_id = @id;", tx);
        clear.Bind("@id", image.Id);
        await clear.ExecuteNonQueryAsync(ct);

        await WriteChildrenAsync(session, tx, image, ct);
        await tx.CommitAsync(ct);
        image.Version = expectedVersion + 1;
        return true;
    }

    public async Task<bool> TryDeleteAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        await using var tx = await session.BeginTransactionAsync(ct);
        // One transaction: the row is marked deleted and its dependants go with it (Glance's two-step delete
        // could leave an image in status 'deleted' yet still shown). The row stays so the id is never reused.
        var mark = session.Command($"""
            UPDATE images SET deleted = {_d.True}, deleted_at = @at, status = 'deleted', location = NULL, staging = NULL, version = version + 1
            WHERE id = @id AND deleted = {_d.False}
            """, tx);
        mark.Bind("@id", id);
        mark.Bind("@at", Micros.From(at));
        if (await mark.ExecuteNonQueryAsync(ct) == 0)
        {
            return false;
        }

        var cleanup = session.Command("""
            DELETE FROM image_properties WHERE image_id = @id;
            DELETE FROM image_tags WHERE image_id = @id;
            DELETE FROM image_members WHERE image_id = @id;
            """, tx);
        cleanup.Bind("@id", id);
        await cleanup.ExecuteNonQueryAsync(ct);

        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<long?> FindStorageQuotaAsync(string owner, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command("SELECT image_size FROM project_quotas WHERE project_id = @owner");
        cmd.Bind("@owner", owner);
        return await cmd.ExecuteScalarAsync(ct) is long bytes ? bytes : null;
    }

    public async Task SetStorageQuotaAsync(string owner, long bytes, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command("""
            INSERT INTO project_quotas (project_id, image_size) VALUES (@owner, @bytes)
            ON CONFLICT (project_id) DO UPDATE SET image_size = excluded.image_size
            """);
        cmd.Bind("@owner", owner);
        cmd.Bind("@bytes", bytes);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<ProjectUsage> GetUsageAsync(string owner, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command($"""
            SELECT COUNT(*),
                   CAST(COALESCE(SUM(size) FILTER (WHERE location IS NOT NULL), 0) AS BIGINT),
                   CAST(COALESCE(SUM(size) FILTER (WHERE staging IS NOT NULL), 0) AS BIGINT),
                   COUNT(*) FILTER (WHERE status IN ('saving', 'uploading', 'importing'))
            FROM images WHERE owner = @owner AND deleted = {_d.False}
            """);
        cmd.Bind("@owner", owner);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ProjectUsage(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public async Task<bool> TryAddMemberAsync(ImageMember member, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command($"""
            INSERT INTO image_members (image_id, member, status, created_at, updated_at)
            SELECT @image, @member, @status, @created, @updated WHERE EXISTS (SELECT 1 FROM images WHERE id = @image AND deleted = {_d.False})
            ON CONFLICT DO NOTHING
            """);
        BindMember(cmd, member);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<ImageMember?> FindMemberAsync(string imageId, string memberId, CancellationToken ct) =>
        (await QueryMembersAsync("image_id = @image AND member = @member", imageId, memberId, ct)).FirstOrDefault();

    public Task<IReadOnlyList<ImageMember>> ListMembersAsync(string imageId, CancellationToken ct) =>
        QueryMembersAsync("image_id = @image", imageId, null, ct);

    public async Task<bool> UpdateMemberAsync(ImageMember member, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command("UPDATE image_members SET status = @status, updated_at = @updated WHERE image_id = @image AND member = @member");
        BindMember(cmd, member);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<bool> DeleteMemberAsync(string imageId, string memberId, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command("DELETE FROM image_members WHERE image_id = @image AND member = @member");
        cmd.Bind("@image", imageId);
        cmd.Bind("@member", memberId);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    private async Task<IReadOnlyList<ImageMember>> QueryMembersAsync(string where, string imageId, string? memberId, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command($"SELECT image_id, member, status, created_at, updated_at FROM image_members WHERE {where} ORDER BY created_at, member");
        cmd.Bind("@image", imageId);
        if (memberId is not null)
        {
            cmd.Bind("@member", memberId);
        }

        var result = new List<ImageMember>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new ImageMember(reader.GetString(0), reader.GetString(1), reader.GetString(2), Micros.To(reader.GetInt64(3)), Micros.To(reader.GetInt64(4))));
        }

        return result;
    }

    private static void BindMember(DbCommand cmd, ImageMember member)
    {
        cmd.Bind("@image", member.ImageId);
        cmd.Bind("@member", member.MemberId);
        cmd.Bind("@status", member.Status);
        cmd.Bind("@created", Micros.From(member.CreatedAt));
        cmd.Bind("@updated", Micros.From(member.UpdatedAt));
    }

    public async Task<ImagePage> ListAsync(ImageListQuery query, ImageVisibilityScope scope, Image? marker, CancellationToken ct)
    {
        // The SQL text depends only on the query's shape, so each shape is prepared once per pooled connection.
        var parameters = new List<(string Name, object Value)>();
        parameters.Add(("@os_hidden", query.OsHidden));
        string Param(object value)
        {
            var name = "@p" + parameters.Count;
            parameters.Add((name, value));
            return name;
        }

        var sql = ImageListSql.Page(Columns, _listCondition, query, scope, marker, Param, _d.NarrowSorts);
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command(sql);
        foreach (var (name, value) in parameters)
        {
            cmd.Bind(name, value);
        }

        var images = new List<Image>(Math.Min(query.Limit, 1000));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            images.Add(ReadImage(reader));
        }

        return new ImagePage(images, images.Count == query.Limit);
    }

    public async Task<IReadOnlyList<Image>> FindInProgressAsync(CancellationToken ct)
    {
        // The literal list is the partial index's own condition (migration 0005), so SQLite uses the index.
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command($"SELECT {Columns} FROM images i WHERE i.status IN ('saving', 'uploading', 'importing') AND i.deleted = {_d.False}");
        var result = new List<Image>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(ReadImage(reader));
        }

        return result;
    }

    public async Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command($"SELECT status, COUNT(*) FROM images WHERE deleted = {_d.False} GROUP BY status");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public async Task<IReadOnlySet<string>> FindReferencedAsync(IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        // The keys travel as one JSON array parameter; the partial indexes of migration 0009 answer each.
        var cmd = session.Command($"SELECT location FROM images WHERE location IS NOT NULL AND {_d.InList("location", "@keys")} " +
            $"UNION SELECT staging FROM images WHERE staging IS NOT NULL AND {_d.InList("staging", "@keys")}");
        cmd.Bind("@keys", _d.ListValue(keys));
        var result = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    /// <summary>An image's properties (in order) and tags: one statement each with array parameters, or one per row.</summary>
    private async Task WriteChildrenAsync(RelationalSession session, DbTransaction tx, Image image, CancellationToken ct)
    {
        if (_d.ArrayParameters)
        {
            if (image.Properties.Count > 0)
            {
                var props = session.Command("""
                    INSERT INTO image_properties (image_id, position, name, value)
                    SELECT @id, p.ordinality - 1, p.name, v.value
                    FROM unnest(@names) WITH ORDINALITY AS p(name, ordinality)
                    JOIN unnest(@values) WITH ORDINALITY AS v(value, ordinality) USING (ordinality)
                    """, tx);
                props.Bind("@id", image.Id).Bind("@names", image.Properties.Select(p => p.Key).ToArray()).Bind("@values", image.Properties.Select(p => p.Value).ToArray());
                await props.ExecuteNonQueryAsync(ct);
            }

            if (image.Tags.Count > 0)
            {
                var tags = session.Command("INSERT INTO image_tags (image_id, value) SELECT @id, unnest(@tags) ON CONFLICT DO NOTHING", tx);
                tags.Bind("@id", image.Id).Bind("@tags", image.Tags.ToArray());
                await tags.ExecuteNonQueryAsync(ct);
            }

            return;
        }

        var position = 0;
        foreach (var (name, value) in image.Properties)
        {
            var cmd = session.Command("INSERT INTO image_properties (image_id, position, name, value) VALUES (@id, @pos, @name, @value)", tx);
            cmd.Bind("@id", image.Id).Bind("@pos", position++).Bind("@name", name).Bind("@value", value);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        foreach (var tag in image.Tags)
        {
            var cmd = session.Command("INSERT INTO image_tags (image_id, value) VALUES (@id, @value) ON CONFLICT DO NOTHING", tx);
            cmd.Bind("@id", image.Id).Bind("@value", tag);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    private static void BindImage(DbCommand cmd, Image image)
    {
        cmd.Bind("@id", image.Id);
        cmd.Bind("@name", image.Name);
        cmd.Bind("@disk_format", image.DiskFormat);
        cmd.Bind("@container_format", image.ContainerFormat);
        cmd.Bind("@visibility", image.Visibility);
        cmd.BindInt64("@size", image.Size);
        cmd.BindInt64("@virtual_size", image.VirtualSize);
        cmd.Bind("@status", image.Status);
        cmd.Bind("@checksum", image.Checksum);
        cmd.Bind("@os_hash_algo", image.OsHashAlgo);
        cmd.Bind("@os_hash_value", image.OsHashValue);
        cmd.Bind("@protected", image.Protected);
        cmd.Bind("@min_ram", image.MinRam);
        cmd.Bind("@min_disk", image.MinDisk);
        cmd.Bind("@owner", image.Owner);
        cmd.Bind("@os_hidden", image.OsHidden);
        cmd.Bind("@created_at", Micros.From(image.CreatedAt));
        cmd.Bind("@updated_at", Micros.From(image.UpdatedAt));
        cmd.Bind("@location", image.Location);
        cmd.Bind("@staging", image.StagingLocation);
        cmd.Bind("@worker", image.Worker);
        cmd.Bind("@properties_json", ImageChildrenJson.Properties(image));
        cmd.Bind("@tags_json", ImageChildrenJson.Tags(image));
    }

    private static Image ReadImage(DbDataReader r)
    {
        var image = Image.Rehydrate(r.GetString(0), r.GetString(7), Micros.To(r.GetInt64(16)));
        image.Name = r.IsDBNull(1) ? null : r.GetString(1);
        image.DiskFormat = r.IsDBNull(2) ? null : r.GetString(2);
        image.ContainerFormat = r.IsDBNull(3) ? null : r.GetString(3);
        image.Visibility = r.GetString(4);
        image.Size = r.IsDBNull(5) ? null : r.GetInt64(5);
        image.VirtualSize = r.IsDBNull(6) ? null : r.GetInt64(6);
        image.Checksum = r.IsDBNull(8) ? null : r.GetString(8);
        image.OsHashAlgo = r.IsDBNull(9) ? null : r.GetString(9);
        image.OsHashValue = r.IsDBNull(10) ? null : r.GetString(10);
        image.Protected = r.GetBoolean(11);
        image.MinRam = r.GetInt64(12);
        image.MinDisk = r.GetInt64(13);
        image.Owner = r.IsDBNull(14) ? null : r.GetString(14);
        image.OsHidden = r.GetBoolean(15);
        image.UpdatedAt = Micros.To(r.GetInt64(17));
        image.Location = r.IsDBNull(18) ? null : r.GetString(18);
        image.Version = r.GetInt64(19);
        image.StagingLocation = r.IsDBNull(20) ? null : r.GetString(20);
        image.Worker = r.IsDBNull(21) ? null : r.GetString(21);
        ImageChildrenJson.Read(image, r.GetString(22), r.GetString(23));
        return image;
    }
}
