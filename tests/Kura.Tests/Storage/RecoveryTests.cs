using Kura.Domain.Images;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Tests.Storage;

/// <summary>What a killed process leaves behind is cleaned on the next start, before any request is served.</summary>
public sealed class RecoveryTests
{
    [Fact]
    public async Task Images_left_saving_go_back_to_queued_and_stray_data_is_removed()
    {
        var host = await KuraHost.StartAsync();
        try
        {
            var token = await host.AdminTokenAsync();
            var id = (await host.CreateImageAsync(token))["id"]!.GetValue<string>();
            var kept = (await host.CreateImageAsync(token))["id"]!.GetValue<string>();
            using (var upload = await host.UploadAsync(token, kept, new ByteArrayContent([1, 2, 3])))
            {
                Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
            }

            // Simulate a process killed mid-upload: status saving, a temporary file, and a renamed blob no image points at.
            var store = host.Services.GetRequiredService<IImageStore>();
            var image = (await store.FindAsync(id, CancellationToken.None))!;
            image.MoveTo(ImageStatus.Saving);
            Assert.True(await store.TryUpdateAsync(image, image.Version, CancellationToken.None));
            var blobs = Path.Combine(host.DataDirectory, "blobs");
            await File.WriteAllBytesAsync(Path.Combine(blobs, "tmp", $"{id}.deadbeef.part"), [9, 9]);
            await File.WriteAllBytesAsync(Path.Combine(blobs, "images", id), [9, 9]);

            // Written before the crash: on a shared database (PostgreSQL) data younger than a node lease might still
            // be another node's upload, and is left for a later pass.
            File.SetLastWriteTimeUtc(Path.Combine(blobs, "tmp", $"{id}.deadbeef.part"), DateTime.UtcNow.AddHours(-1));
            File.SetLastWriteTimeUtc(Path.Combine(blobs, "images", id), DateTime.UtcNow.AddHours(-1));

            await host.RestartAsync();
            token = await host.AdminTokenAsync();

            var recovered = await host.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
            Assert.Equal("queued", recovered["status"]!.GetValue<string>());
            Assert.False(File.Exists(Path.Combine(blobs, "images", id)));
            Assert.Empty(Directory.GetFiles(Path.Combine(blobs, "tmp")));

            // Finished images and their data are untouched.
            Assert.True(File.Exists(Path.Combine(blobs, "images", kept)));
            using var download = await host.SendAsync(HttpMethod.Get, $"v2/images/{kept}/file", token);
            Assert.Equal(new byte[] { 1, 2, 3 }, await download.Content.ReadAsByteArrayAsync());

            // And the recovered image takes a new upload.
            using var retry = await host.UploadAsync(token, id, new ByteArrayContent([4]));
            Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Data_and_identity_survive_a_restart_and_the_admin_password_is_not_reset()
    {
        var host = await KuraHost.StartAsync();
        try
        {
            var account = await host.CreateAccountAsync("survivor");
            var id = (await host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
            using (await host.UploadAsync(account.Token, id, new ByteArrayContent([5, 6])))
            {
            }

            await host.RestartAsync("--Identity:AdminPassword=a-different-password");
            using var stillValid = await host.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", account.Token);
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
            Assert.Equal(new byte[] { 5, 6 }, await stillValid.Content.ReadAsByteArrayAsync());
            Assert.NotNull(await host.AdminTokenAsync());
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
