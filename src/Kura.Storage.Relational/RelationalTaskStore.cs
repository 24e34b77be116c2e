using System.Data.Common;
using Kura.Domain.Imports;

namespace Kura.Storage.Relational;

/// <summary>Import tasks in a relational database.</summary>
public sealed class RelationalTaskStore(RelationalDatabase db) : ITaskStore
{
    private const string Columns = "id, status, owner, image_id, request_id, user_id, input, result, message, created_at, updated_at, expires_at";

    public async Task AddAsync(ImageTask task, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command($"INSERT INTO tasks (type, {Columns}) VALUES ('{ImageTask.Type}', @id, @status, @owner, @image, @request, @user, @input, @result, @message, @created, @updated, @expires)");
        Bind(cmd, task);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task UpdateAsync(ImageTask task, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command("UPDATE tasks SET status = @status, result = @result, message = @message, updated_at = @updated, expires_at = @expires WHERE id = @id");
        Bind(cmd, task);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<ImageTask>> ListForImageAsync(string imageId, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command($"SELECT {Columns} FROM tasks WHERE image_id = @image ORDER BY created_at, id");
        cmd.Bind("@image", imageId);
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
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command(
            $"UPDATE tasks SET status = 'failure', message = @message, updated_at = @at WHERE status IN ('pending', 'processing') AND NOT ({db.Dialect.InList("image_id", "@busy")})");
        cmd.Bind("@busy", db.Dialect.ListValue(busyImageIds));
        cmd.Bind("@message", message);
        cmd.Bind("@at", Micros.From(at));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void Bind(DbCommand cmd, ImageTask t)
    {
        cmd.Bind("@id", t.Id);
        cmd.Bind("@status", t.Status);
        cmd.Bind("@owner", t.Owner);
        cmd.Bind("@image", t.ImageId);
        cmd.Bind("@request", t.RequestId);
        cmd.Bind("@user", t.UserId);
        cmd.Bind("@input", t.InputJson);
        cmd.Bind("@result", t.ResultJson);
        cmd.Bind("@message", t.Message);
        cmd.Bind("@created", Micros.From(t.CreatedAt));
        cmd.Bind("@updated", Micros.From(t.UpdatedAt));
        cmd.BindInt64("@expires", t.ExpiresAt is { } e ? Micros.From(e) : null);
    }
}
