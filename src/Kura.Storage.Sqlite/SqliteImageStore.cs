using System.Text;
using Kura.Domain.Images;
using Kura.Storage.Relational;
using Microsoft.Data.Sqlite;

namespace Kura.Storage.Sqlite;

/// <summary>Image metadata in SQLite. Every value reaches SQL as a parameter; only fixed column names are spliced.</summary>
public sealed class SqliteImageStore(SqliteDatabase db) : IImageStore
{
    private const string Columns = """
        i.id, i.name, i.disk_format, i.container_format, i.visibility, i.size, i.virtual_size, i.status,
        i.checksum, i.os_hash_algo, i.os_hash_value, i.protected, i.min_ram, i.min_disk, i.owner, i.os_hidden,
        i.created_at, i.updated_at, i.location, i.version, i.staging, i.worker, i.properties_json, i.tags_json
        """;

    public async Task<bool> TryAddAsync(Image image, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        await using var tx = await session.BeginTransactionAsync(ct);
        try
        {
            var insert = session.Command("""
                INSERT INTO images (id, name, disk_format, container_format, visibility, size, virtual_size, status,
                    checksum, os_hash_algo, os_hash_value, protected, min_ram, min_disk, owner, os_hidden,
                    created_at, updated_at, location, staging, worker, properties_json, tags_json, version)
                VALUES ($id, $name, $disk_format, $container_format, $visibility, $size, $virtual_size, $status,
                    $checksum, $os_hash_algo, $os_hash_value, $protected, $min_ram, $min_disk, $owner, $os_hidden,
                    $created_at, $updated_at, $location, $staging, $worker, $properties_json, $tags_json, 1)
                """, tx);
            BindImage(insert, image);
            await insert.ExecuteNonQueryAsync(ct);
            await WriteChildrenAsync(session, tx, image, ct);
            await tx.CommitAsync(ct);
            image.Version = 1;
            return true;
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    public async Task<Image?> FindAsync(string id, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command($"SELECT {Columns} FROM images i WHERE i.id = $id AND i.deleted = 0");
        cmd.Parameters.AddWithValue("$id", id);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadImage(reader) : null;
    }

    public async Task<bool> TryUpdateAsync(Image image, long expectedVersion, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        await using var tx = await session.BeginTransactionAsync(ct);
        var update = session.Command("""
            UPDATE images SET name = $name, disk_format = $disk_format, container_format = $container_format,
                visibility = $visibility, size = $size, virtual_size = $virtual_size, status = $status,
                checksum = $checksum, os_hash_algo = $os_hash_algo, os_hash_value = $os_hash_value,
                protected = $protected, min_ram = $min_ram, min_disk = $min_disk, owner = $owner,
                os_hidden = $os_hidden, updated_at = $updated_at, location = $location, staging = $staging, worker = $worker,
                properties_json = $properties_json, tags_json = $tags_json, version = version + 1
            WHERE id = $id AND version = $expected AND deleted = 0
            """, tx);
        BindImage(update, image);
        update.Parameters.AddWithValue("$expected", expectedVersion);
        if (await update.ExecuteNonQueryAsync(ct) == 0)
        {
            return false;
        }

        var clear = session.Command("DELETE FROM image_properties WHERE image_id = $id; DELETE FROM image_tags WHERE image_id = $id;", tx);
        clear.Parameters.AddWithValue("$id", image.Id);
        await clear.ExecuteNonQueryAsync(ct);

        await WriteChildrenAsync(session, tx, image, ct);
        await tx.CommitAsync(ct);
        image.Version = expectedVersion + 1;
        return true;
    }

    public async Task<bool> TryDeleteAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        await using var tx = await session.BeginTransactionAsync(ct);
        // One transaction: the row is marked deleted and its dependants go with it (Glance's two-step delete
        // could leave an image in status 'deleted' yet still shown). The row stays so the id is never reused.
        var mark = session.Command("""
            UPDATE images SET deleted = 1, deleted_at = $at, status = 'deleted', location = NULL, staging = NULL, version = version + 1
            WHERE id = $id AND deleted = 0
            """, tx);
        mark.Parameters.AddWithValue("$id", id);
        mark.Parameters.AddWithValue("$at", Micros.From(at));
        if (await mark.ExecuteNonQueryAsync(ct) == 0)
        {
            return false;
        }

        var cleanup = session.Command("""
            DELETE FROM image_properties WHERE image_id = $id;
            DELETE FROM image_tags WHERE image_id = $id;
            DELETE FROM image_members WHERE image_id = $id;
            """, tx);
        cleanup.Parameters.AddWithValue("$id", id);
        await cleanup.ExecuteNonQueryAsync(ct);

        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<long?> FindStorageQuotaAsync(string owner, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("SELECT image_size FROM project_quotas WHERE project_id = $owner");
        cmd.Parameters.AddWithValue("$owner", owner);
        return await cmd.ExecuteScalarAsync(ct) is long bytes ? bytes : null;
    }

    public async Task SetStorageQuotaAsync(string owner, long bytes, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("""
            INSERT INTO project_quotas (project_id, image_size) VALUES ($owner, $bytes)
            ON CONFLICT (project_id) DO UPDATE SET image_size = excluded.image_size
            """);
        cmd.Parameters.AddWithValue("$owner", owner);
        cmd.Parameters.AddWithValue("$bytes", bytes);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<ProjectUsage> GetUsageAsync(string owner, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("""
            SELECT COUNT(*),
                   COALESCE(SUM(CASE WHEN location IS NOT NULL THEN size END), 0),
                   COALESCE(SUM(CASE WHEN staging IS NOT NULL THEN size END), 0),
                   COALESCE(SUM(status IN ('saving', 'uploading', 'importing')), 0)
            FROM images WHERE owner = $owner AND deleted = 0
            """);
        cmd.Parameters.AddWithValue("$owner", owner);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ProjectUsage(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public async Task<bool> TryAddMemberAsync(ImageMember member, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("""
            INSERT INTO image_members (image_id, member, status, created_at, updated_at)
            SELECT $image, $member, $status, $created, $updated WHERE EXISTS (SELECT 1 FROM images WHERE id = $image AND deleted = 0)
            """);
        BindMember(cmd, member);
        try
        {
            return await cmd.ExecuteNonQueryAsync(ct) > 0;
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    public async Task<ImageMember?> FindMemberAsync(string imageId, string memberId, CancellationToken ct) =>
        (await QueryMembersAsync("image_id = $image AND member = $member", imageId, memberId, ct)).FirstOrDefault();

    public Task<IReadOnlyList<ImageMember>> ListMembersAsync(string imageId, CancellationToken ct) =>
        QueryMembersAsync("image_id = $image", imageId, null, ct);

    public async Task<bool> UpdateMemberAsync(ImageMember member, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("UPDATE image_members SET status = $status, updated_at = $updated WHERE image_id = $image AND member = $member");
        BindMember(cmd, member);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<bool> DeleteMemberAsync(string imageId, string memberId, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("DELETE FROM image_members WHERE image_id = $image AND member = $member");
        cmd.Parameters.AddWithValue("$image", imageId);
        cmd.Parameters.AddWithValue("$member", memberId);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    private async Task<IReadOnlyList<ImageMember>> QueryMembersAsync(string where, string imageId, string? memberId, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command($"SELECT image_id, member, status, created_at, updated_at FROM image_members WHERE {where} ORDER BY created_at, member");
        cmd.Parameters.AddWithValue("$image", imageId);
        cmd.Parameters.AddWithValue("$member", (object?)memberId ?? DBNull.Value);
        var result = new List<ImageMember>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new ImageMember(reader.GetString(0), reader.GetString(1), reader.GetString(2), Micros.To(reader.GetInt64(3)), Micros.To(reader.GetInt64(4))));
        }

        return result;
    }

    private static void BindMember(SqliteCommand cmd, ImageMember member)
    {
        cmd.Parameters.AddWithValue("$image", member.ImageId);
        cmd.Parameters.AddWithValue("$member", member.MemberId);
        cmd.Parameters.AddWithValue("$status", member.Status);
        cmd.Parameters.AddWithValue("$created", Micros.From(member.CreatedAt));
        cmd.Parameters.AddWithValue("$updated", Micros.From(member.UpdatedAt));
    }

    public async Task<ImagePage> ListAsync(ImageListQuery query, ImageVisibilityScope scope, Image? marker, CancellationToken ct)
    {
        // The SQL text depends only on the query's shape, so each shape is prepared once per pooled connection.
        var parameters = new List<(string Name, object Value)>();
        parameters.Add(("$os_hidden", query.OsHidden ? 1 : 0));
        string Param(object value)
        {
            var name = "$p" + parameters.Count;
            parameters.Add((name, value is bool b ? (b ? 1 : 0) : value));
            return name;
        }

        var sql = ImageListSql.Page(Columns, "i.deleted = 0 AND i.status <> 'killed' AND i.os_hidden = $os_hidden", query, scope, marker, Param, narrowSorts: true);
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command(sql);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
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
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command($"SELECT {Columns} FROM images i WHERE i.status IN ('saving', 'uploading', 'importing') AND i.deleted = 0");
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
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("SELECT status, COUNT(*) FROM images WHERE deleted = 0 GROUP BY status");
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
        await using var session = await db.RentAsync(ct);
        // The keys travel as one JSON array parameter; the partial indexes of migration 0009 answer each.
        var cmd = session.Command("""
            SELECT location FROM images WHERE location IS NOT NULL AND location IN (SELECT value FROM json_each($keys))
            UNION SELECT staging FROM images WHERE staging IS NOT NULL AND staging IN (SELECT value FROM json_each($keys))
            """);
        cmd.Parameters.AddWithValue("$keys", System.Text.Json.JsonSerializer.Serialize(keys));
        var result = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    private static async Task WriteChildrenAsync(SqliteSession session, SqliteTransaction tx, Image image, CancellationToken ct)
    {
        var position = 0;
        foreach (var (name, value) in image.Properties)
        {
            var cmd = session.Command("INSERT INTO image_properties (image_id, position, name, value) VALUES ($id, $pos, $name, $value)", tx);
            cmd.Parameters.AddWithValue("$id", image.Id);
            cmd.Parameters.AddWithValue("$pos", position++);
            cmd.Parameters.AddWithValue("$name", name);
            cmd.Parameters.AddWithValue("$value", value);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        foreach (var tag in image.Tags)
        {
            var cmd = session.Command("INSERT OR IGNORE INTO image_tags (image_id, value) VALUES ($id, $value)", tx);
            cmd.Parameters.AddWithValue("$id", image.Id);
            cmd.Parameters.AddWithValue("$value", tag);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    private static void BindImage(SqliteCommand cmd, Image image)
    {
        cmd.Parameters.AddWithValue("$id", image.Id);
        cmd.Parameters.AddWithValue("$name", (object?)image.Name ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$disk_format", (object?)image.DiskFormat ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$container_format", (object?)image.ContainerFormat ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$visibility", image.Visibility);
        cmd.Parameters.AddWithValue("$size", (object?)image.Size ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$virtual_size", (object?)image.VirtualSize ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$status", image.Status);
        cmd.Parameters.AddWithValue("$checksum", (object?)image.Checksum ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$os_hash_algo", (object?)image.OsHashAlgo ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$os_hash_value", (object?)image.OsHashValue ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$protected", image.Protected ? 1 : 0);
        cmd.Parameters.AddWithValue("$min_ram", image.MinRam);
        cmd.Parameters.AddWithValue("$min_disk", image.MinDisk);
        cmd.Parameters.AddWithValue("$owner", (object?)image.Owner ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$os_hidden", image.OsHidden ? 1 : 0);
        cmd.Parameters.AddWithValue("$created_at", Micros.From(image.CreatedAt));
        cmd.Parameters.AddWithValue("$updated_at", Micros.From(image.UpdatedAt));
        cmd.Parameters.AddWithValue("$location", (object?)image.Location ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$staging", (object?)image.StagingLocation ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$worker", (object?)image.Worker ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$properties_json", ImageChildrenJson.Properties(image));
        cmd.Parameters.AddWithValue("$tags_json", ImageChildrenJson.Tags(image));
    }

    private static Image ReadImage(SqliteDataReader r)
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
        image.Protected = r.GetInt64(11) != 0;
        image.MinRam = r.GetInt32(12);
        image.MinDisk = r.GetInt32(13);
        image.Owner = r.IsDBNull(14) ? null : r.GetString(14);
        image.OsHidden = r.GetInt64(15) != 0;
        image.UpdatedAt = Micros.To(r.GetInt64(17));
        image.Location = r.IsDBNull(18) ? null : r.GetString(18);
        image.Version = r.GetInt64(19);
        image.StagingLocation = r.IsDBNull(20) ? null : r.GetString(20);
        image.Worker = r.IsDBNull(21) ? null : r.GetString(21);
        ImageChildrenJson.Read(image, r.GetString(22), r.GetString(23));
        return image;
    }
}
