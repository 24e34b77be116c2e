using Kura.Domain.Imports;
using Kura.Storage.Relational;
using Microsoft.Data.Sqlite;

namespace Kura.Storage.Sqlite;

/// <summary>Import tasks in SQLite.</summary>
public sealed class SqliteTaskStore(SqliteDatabase db) : ITaskStore
{
    private const string Columns = "id, status, owner, image_id, request_id, user_id, input, result, message, created_at, updated_at, expires_at";

    public async Task AddAsync(ImageTask task, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command($"INSERT INTO tasks (type, {Columns}) VALUES ('{ImageTask.Type}', $id, $status, $owner, $image, $request, $user, $input, $result, $message, $created, $updated, $expires)");
        Bind(cmd, task);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task UpdateAsync(ImageTask task, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("UPDATE tasks SET status = $status, result = $result, message = $message, updated_at = $updated, expires_at = $expires WHERE id = $id");
        Bind(cmd, task);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<ImageTask>> ListForImageAsync(string imageId, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command($"SELECT {Columns} FROM tasks WHERE image_id = $image ORDER BY created_at, id");
        cmd.Parameters.AddWithValue("$image", imageId);
        var result = new List<ImageTask>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result.Add(new ImageTask(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.GetString(8), Micros.To(r.GetInt64(9)), Micros.To(r.GetInt64(10)),
                r.IsDBNull(11) ? null : Micros.To(r.GetInt64(11))));
        }

        return result;
    }

    public async Task<int> FailUnfinishedAsync(string message, DateTimeOffset at, IReadOnlySet<string> busyImageIds, CancellationToken ct)
    {
        await using var session = await db.RentAsync(ct);
        var cmd = session.Command("""
            UPDATE tasks SET status = 'failure', message = $message, updated_at = $at
            WHERE status IN ('pending', 'processing') AND image_id NOT IN (SELECT value FROM json_each($busy))
            """);
        cmd.Parameters.AddWithValue("$busy", System.Text.Json.JsonSerializer.Serialize(busyImageIds));
        cmd.Parameters.AddWithValue("$message", message);
        cmd.Parameters.AddWithValue("$at", Micros.From(at));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void Bind(SqliteCommand cmd, ImageTask t)
    {
        cmd.Parameters.AddWithValue("$id", t.Id);
        cmd.Parameters.AddWithValue("$status", t.Status);
        cmd.Parameters.AddWithValue("$owner", t.Owner);
        cmd.Parameters.AddWithValue("$image", t.ImageId);
        cmd.Parameters.AddWithValue("$request", t.RequestId);
        cmd.Parameters.AddWithValue("$user", t.UserId);
        cmd.Parameters.AddWithValue("$input", t.InputJson);
        cmd.Parameters.AddWithValue("$result", (object?)t.ResultJson ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$message", t.Message);
        cmd.Parameters.AddWithValue("$created", Micros.From(t.CreatedAt));
        cmd.Parameters.AddWithValue("$updated", Micros.From(t.UpdatedAt));
        cmd.Parameters.AddWithValue("$expires", t.ExpiresAt is { } e ? Micros.From(e) : DBNull.Value);
    }
}
