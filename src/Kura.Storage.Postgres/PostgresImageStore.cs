using System.Text;
using Kura.Domain.Images;
using Kura.Storage.Relational;
using Npgsql;

namespace Kura.Storage.Postgres;

/// <summary>
/// Image metadata in PostgreSQL. Every value reaches SQL as a parameter; only fixed column names are spliced. A
/// write that loses a race (another node changed the row first) returns false, as with SQLite, and the domain retries.
/// </summary>
public sealed class PostgresImageStore(PostgresDatabase db) : IImageStore
{
    private const string Columns = """
        i.id, i.name, i.disk_format, i.container_format, i.visibility, i.size, i.virtual_size, i.status,
        i.checksum, i.os_hash_algo, i.os_hash_value, i.protected, i.min_ram, i.min_disk, i.owner, i.os_hidden,
        i.created_at, i.updated_at, i.location, i.version, i.staging, i.worker, i.properties_json, i.tags_json
        """;

    public async Task<bool> TryAddAsync(Image image, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO images (id, name, disk_format, container_format, visibility, size, virtual_size, status,
                    checksum, os_hash_algo, os_hash_value, protected, min_ram, min_disk, owner, os_hidden,
                    created_at, updated_at, location, staging, worker, properties_json, tags_json, version)
                VALUES (@id, @name, @disk_format, @container_format, @visibility, @size, @virtual_size, @status,
                    @checksum, @os_hash_algo, @os_hash_value, @protected, @min_ram, @min_disk, @owner, @os_hidden,
                    @created_at, @updated_at, @location, @staging, @worker, @properties_json, @tags_json, 1)
                """, connection, tx))
            {
                BindImage(insert, image);
                await insert.ExecuteNonQueryAsync(ct);
            }

            await WriteChildrenAsync(connection, tx, image, ct);
            await tx.CommitAsync(ct);
            image.Version = 1;
            return true;
        }
        catch (PostgresException ex) when (PostgresDatabase.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    public async Task<Image?> FindAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"SELECT {Columns} FROM images i WHERE i.id = @id AND NOT i.deleted", connection);
        cmd.Parameters.AddWithValue("id", id);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadImage(reader) : null;
    }

    public async Task<bool> TryUpdateAsync(Image image, long expectedVersion, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Under READ COMMITTED a concurrent writer of the same row waits here, then sees the new version and
        // matches nothing: the optimistic check holds across nodes.
        await using (var update = new NpgsqlCommand("""
            UPDATE images SET name = @name, disk_format = @disk_format, container_format = @container_format,
                visibility = @visibility, size = @size, virtual_size = @virtual_size, status = @status,
                checksum = @checksum, os_hash_algo = @os_hash_algo, os_hash_value = @os_hash_value,
                protected = @protected, min_ram = @min_ram, min_disk = @min_disk, owner = @owner,
                os_hidden = @os_hidden, updated_at = @updated_at, location = @location, staging = @staging,
                worker = @worker, properties_json = @properties_json, tags_json = @tags_json, version = version + 1
            WHERE id = @id AND version = @expected AND NOT deleted
            """, connection, tx))
        {
            BindImage(update, image);
            update.Parameters.AddWithValue("expected", expectedVersion);
            if (await update.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }
        }

        await using (var clear = new NpgsqlCommand("DELETE FROM image_properties WHERE image_id = @id; DELETE FROM image_tags WHERE image_id = @id;", connection, tx))
        {
            clear.Parameters.AddWithValue("id", image.Id);
            await clear.ExecuteNonQueryAsync(ct);
        }

        await WriteChildrenAsync(connection, tx, image, ct);
        await tx.CommitAsync(ct);
        image.Version = expectedVersion + 1;
        return true;
    }

    public async Task<bool> TryDeleteAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var mark = new NpgsqlCommand("""
            UPDATE images SET deleted = TRUE, deleted_at = @at, status = 'deleted', location = NULL, staging = NULL, version = version + 1
            WHERE id = @id AND NOT deleted
            """, connection, tx))
        {
            mark.Parameters.AddWithValue("id", id);
            mark.Parameters.AddWithValue("at", Micros.From(at));
            if (await mark.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }
        }

        await using (var cleanup = new NpgsqlCommand("""
            DELETE FROM image_properties WHERE image_id = @id;
            DELETE FROM image_tags WHERE image_id = @id;
            DELETE FROM image_members WHERE image_id = @id;
            """, connection, tx))
        {
            cleanup.Parameters.AddWithValue("id", id);
            await cleanup.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<long?> FindStorageQuotaAsync(string owner, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT image_size FROM project_quotas WHERE project_id = @owner", connection);
        cmd.Parameters.AddWithValue("owner", owner);
        return await cmd.ExecuteScalarAsync(ct) is long bytes ? bytes : null;
    }

    public async Task SetStorageQuotaAsync(string owner, long bytes, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO project_quotas (project_id, image_size) VALUES (@owner, @bytes)
            ON CONFLICT (project_id) DO UPDATE SET image_size = excluded.image_size
            """, connection);
        cmd.Parameters.AddWithValue("owner", owner);
        cmd.Parameters.AddWithValue("bytes", bytes);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<ProjectUsage> GetUsageAsync(string owner, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT COUNT(*),
                   COALESCE(SUM(size) FILTER (WHERE location IS NOT NULL), 0)::bigint,
                   COALESCE(SUM(size) FILTER (WHERE staging IS NOT NULL), 0)::bigint,
                   COUNT(*) FILTER (WHERE status IN ('saving', 'uploading', 'importing'))
            FROM images WHERE owner = @owner AND NOT deleted
            """, connection);
        cmd.Parameters.AddWithValue("owner", owner);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ProjectUsage(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public async Task<bool> TryAddMemberAsync(ImageMember member, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO image_members (image_id, member, status, created_at, updated_at)
            SELECT @image, @member, @status, @created, @updated WHERE EXISTS (SELECT 1 FROM images WHERE id = @image AND NOT deleted)
            ON CONFLICT DO NOTHING
            """, connection);
        BindMember(cmd, member);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<ImageMember?> FindMemberAsync(string imageId, string memberId, CancellationToken ct) =>
        (await QueryMembersAsync("image_id = @image AND member = @member", imageId, memberId, ct)).FirstOrDefault();

    public Task<IReadOnlyList<ImageMember>> ListMembersAsync(string imageId, CancellationToken ct) =>
        QueryMembersAsync("image_id = @image", imageId, null, ct);

    public async Task<bool> UpdateMemberAsync(ImageMember member, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("UPDATE image_members SET status = @status, updated_at = @updated WHERE image_id = @image AND member = @member", connection);
        BindMember(cmd, member);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<bool> DeleteMemberAsync(string imageId, string memberId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("DELETE FROM image_members WHERE image_id = @image AND member = @member", connection);
        cmd.Parameters.AddWithValue("image", imageId);
        cmd.Parameters.AddWithValue("member", memberId);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    private async Task<IReadOnlyList<ImageMember>> QueryMembersAsync(string where, string imageId, string? memberId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand($"SELECT image_id, member, status, created_at, updated_at FROM image_members WHERE {where} ORDER BY created_at, member", connection);
        cmd.Parameters.AddWithValue("image", imageId);
        if (memberId is not null)
        {
            cmd.Parameters.AddWithValue("member", memberId);
        }

        var result = new List<ImageMember>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new ImageMember(reader.GetString(0), reader.GetString(1), reader.GetString(2), Micros.To(reader.GetInt64(3)), Micros.To(reader.GetInt64(4))));
        }

        return result;
    }

    private static void BindMember(NpgsqlCommand cmd, ImageMember member)
    {
        cmd.Parameters.AddWithValue("image", member.ImageId);
        cmd.Parameters.AddWithValue("member", member.MemberId);
        cmd.Parameters.AddWithValue("status", member.Status);
        cmd.Parameters.AddWithValue("created", Micros.From(member.CreatedAt));
        cmd.Parameters.AddWithValue("updated", Micros.From(member.UpdatedAt));
    }

    public async Task<ImagePage> ListAsync(ImageListQuery query, ImageVisibilityScope scope, Image? marker, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand { Connection = connection };
        cmd.Parameters.AddWithValue("os_hidden", query.OsHidden);
        var p = 0;
        string Param(object value)
        {
            var name = "p" + p++;
            cmd.Parameters.AddWithValue(name, value);
            return "@" + name;
        }

        cmd.CommandText = ImageListSql.Page(Columns, "NOT i.deleted AND i.status <> 'killed' AND i.os_hidden = @os_hidden", query, scope, marker, Param, narrowSorts: false);

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
        await using var connection = await db.OpenAsync(ct);
        // The literal list is the partial index's own condition, so the planner uses it.
        await using var cmd = new NpgsqlCommand($"SELECT {Columns} FROM images i WHERE i.status IN ('saving', 'uploading', 'importing') AND NOT i.deleted", connection);
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
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT status, COUNT(*) FROM images WHERE NOT deleted GROUP BY status", connection);
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
        await using var connection = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT location FROM images WHERE location = ANY(@keys) UNION SELECT staging FROM images WHERE staging = ANY(@keys)", connection);
        cmd.Parameters.AddWithValue("keys", keys.ToArray());
        var result = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    private static async Task WriteChildrenAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Image image, CancellationToken ct)
    {
        // One statement per kind, whatever the count: unnest the arrays.
        if (image.Properties.Count > 0)
        {
            await using var props = new NpgsqlCommand("""
                INSERT INTO image_properties (image_id, position, name, value)
                SELECT @id, p.ordinality - 1, p.name, v.value
                FROM unnest(@names) WITH ORDINALITY AS p(name, ordinality)
                JOIN unnest(@values) WITH ORDINALITY AS v(value, ordinality) USING (ordinality)
                """, connection, tx);
            props.Parameters.AddWithValue("id", image.Id);
            props.Parameters.AddWithValue("names", image.Properties.Select(p => p.Key).ToArray());
            props.Parameters.AddWithValue("values", image.Properties.Select(p => p.Value).ToArray());
            await props.ExecuteNonQueryAsync(ct);
        }

        if (image.Tags.Count > 0)
        {
            await using var tags = new NpgsqlCommand("INSERT INTO image_tags (image_id, value) SELECT @id, unnest(@tags) ON CONFLICT DO NOTHING", connection, tx);
            tags.Parameters.AddWithValue("id", image.Id);
            tags.Parameters.AddWithValue("tags", image.Tags.ToArray());
            await tags.ExecuteNonQueryAsync(ct);
        }
    }

    private static void BindImage(NpgsqlCommand cmd, Image image)
    {
        cmd.Parameters.AddWithValue("id", image.Id);
        cmd.Parameters.Add(Text("name", image.Name));
        cmd.Parameters.Add(Text("disk_format", image.DiskFormat));
        cmd.Parameters.Add(Text("container_format", image.ContainerFormat));
        cmd.Parameters.AddWithValue("visibility", image.Visibility);
        cmd.Parameters.Add(BigInt("size", image.Size));
        cmd.Parameters.Add(BigInt("virtual_size", image.VirtualSize));
        cmd.Parameters.AddWithValue("status", image.Status);
        cmd.Parameters.Add(Text("checksum", image.Checksum));
        cmd.Parameters.Add(Text("os_hash_algo", image.OsHashAlgo));
        cmd.Parameters.Add(Text("os_hash_value", image.OsHashValue));
        cmd.Parameters.AddWithValue("protected", image.Protected);
        cmd.Parameters.AddWithValue("min_ram", image.MinRam);
        cmd.Parameters.AddWithValue("min_disk", image.MinDisk);
        cmd.Parameters.Add(Text("owner", image.Owner));
        cmd.Parameters.AddWithValue("os_hidden", image.OsHidden);
        cmd.Parameters.AddWithValue("created_at", Micros.From(image.CreatedAt));
        cmd.Parameters.AddWithValue("updated_at", Micros.From(image.UpdatedAt));
        cmd.Parameters.Add(Text("location", image.Location));
        cmd.Parameters.Add(Text("staging", image.StagingLocation));
        cmd.Parameters.Add(Text("worker", image.Worker));
        cmd.Parameters.Add(Text("properties_json", ImageChildrenJson.Properties(image)));
        cmd.Parameters.Add(Text("tags_json", ImageChildrenJson.Tags(image)));
    }

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter BigInt(string name, long? value) =>
        new(name, NpgsqlTypes.NpgsqlDbType.Bigint) { Value = (object?)value ?? DBNull.Value };

    private static Image ReadImage(NpgsqlDataReader r)
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
        image.MinRam = r.GetInt32(12);
        image.MinDisk = r.GetInt32(13);
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
