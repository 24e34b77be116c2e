using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kura.Dashboard.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kura.Dashboard.Tests;

/// <summary>
/// End to end in a real browser (Debian's Chromium through Playwright) against a real Kura on loopback: what a person
/// does on the page, including a 200 MB upload with its progress bar, and the ways it fails.
/// </summary>
[Collection("browser")]
public sealed class DashboardBrowserTests(BrowserFixture fixture)
{
    private const long BigImage = 200L << 20;

    [Fact]
    public async Task UploadFindEditShareAcceptAndDeleteAnImage()
    {
        var file = Path.Combine(Path.GetTempPath(), $"kura-dashboard-{Guid.NewGuid():N}.img");
        await using (var stream = File.Create(file))
        {
            // A raw disk of 200 MB: sparse zeros with a little text, written without holding it in memory.
            stream.SetLength(BigImage);
            stream.Position = BigImage / 2;
            await stream.WriteAsync("Kura dashboard test disk"u8.ToArray());
        }

        try
        {
            var alpha = await fixture.SignedInPageAsync("alpha");
            await alpha.Locator("a[href='/dashboard/images/new']").ClickAsync();
            await alpha.Locator("#name").FillAsync("ubuntu-24.04-dashboard");
            await alpha.Locator("#disk_format").SelectOptionAsync("raw");
            await alpha.Locator("#file").SetInputFilesAsync(file);
            await Browser.ScreenshotAsync(alpha, "create");

            // Record every value the progress bar and its status line show while the browser streams the file.
            await alpha.EvaluateAsync("""
                () => {
                  window.seen = []; window.texts = [];
                  const bar = document.querySelector('#upload-bar'), status = document.querySelector('#upload-status');
                  new MutationObserver(() => window.seen.push(bar.value)).observe(bar, { attributes: true });
                  new MutationObserver(() => window.texts.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
                }
                """);
            await alpha.Locator("#create-form button[type=submit]").ClickAsync();
            await alpha.Locator("#create-form[data-state=done]").WaitForAsync(new LocatorWaitForOptions { Timeout = 180_000 });
            Assert.Equal(100, await alpha.Locator("#upload-bar").EvaluateAsync<double>("bar => bar.value"));
            var seen = await alpha.EvaluateAsync<double[]>("() => window.seen");
            var texts = await alpha.EvaluateAsync<string[]>("() => window.texts");
            Assert.Contains(seen, v => v is > 0 and < 100);
            Assert.Contains(100.0, seen);
            Assert.Contains(texts, t => Regex.IsMatch(t, @"of 200 MiB \(\d+%\) · .+/s · .+ left"));
            Assert.Contains(texts, t => t.StartsWith("Upload complete.", StringComparison.Ordinal));
            await Browser.ScreenshotAsync(alpha, "upload-done");

            await alpha.Locator("#uploaded-image").ClickAsync();
            await Expect(alpha.Locator("#image-status")).ToHaveTextAsync("active");
            await Expect(alpha.Locator("#image-fields")).ToContainTextAsync("200 MiB (209,715,200 B)");
            await Expect(alpha.Locator("#image-fields")).ToContainTextAsync("sha512");
            var imageUrl = alpha.Url;

            // Filter and find it.
            await alpha.GotoAsync(fixture.Url("/images"));
            await alpha.Locator("details.filters summary").ClickAsync();
            await alpha.Locator("#f-name").FillAsync("ubuntu-24.04-dashboard");
            await alpha.Locator("#f-status").SelectOptionAsync("active");
            await alpha.Locator("form[role=search] button[type=submit]").ClickAsync();
            await Expect(alpha.Locator("table.images tbody tr")).ToHaveCountAsync(1);
            await Expect(alpha.Locator("table.images tbody")).ToContainTextAsync("200 MiB");
            await alpha.Locator("#f-status").SelectOptionAsync("queued");
            await alpha.Locator("form[role=search] button[type=submit]").ClickAsync();
            await Expect(alpha.Locator("table.images tbody tr")).ToHaveCountAsync(0);

            // Edit: name, tags, a property.
            await alpha.GotoAsync(imageUrl + "/edit");
            await alpha.Locator("#name").FillAsync("ubuntu-noble");
            await alpha.Locator("#tags").FillAsync("linux, lts");
            await alpha.Locator("#properties").FillAsync("os_distro=ubuntu\nos_version=24.04");
            await alpha.Locator("#edit-form button[type=submit]").ClickAsync();
            await Expect(alpha.Locator(".flash.ok")).ToHaveTextAsync("Changes saved.");
            await Expect(alpha.Locator("h1")).ToHaveTextAsync("ubuntu-noble");
            await Expect(alpha.Locator("#properties")).ToContainTextAsync("os_version24.04");
            await Expect(alpha.Locator("ul.tags li")).ToHaveTextAsync(["linux", "lts"]);

            // Sort by name and find it again by tag.
            await alpha.GotoAsync(fixture.Url("/images?tags=lts&sort=name&dir=asc"));
            await Expect(alpha.Locator("table.images tbody tr a")).ToHaveTextAsync("ubuntu-noble");
            await Expect(alpha.Locator("th[aria-sort=ascending]")).ToContainTextAsync("Name");
            await Browser.ScreenshotAsync(alpha, "images");

            // Share with beta, who accepts.
            await alpha.GotoAsync(imageUrl);
            await alpha.Locator("#member").FillAsync(fixture.Beta.ProjectId);
            await alpha.Locator("#member").PressAsync("Enter");
            await Expect(alpha.Locator("#members")).ToContainTextAsync(fixture.Beta.ProjectId);
            await Expect(alpha.Locator("#members")).ToContainTextAsync("pending");
            await Browser.ScreenshotAsync(alpha, "image");

            var beta = await fixture.SignedInPageAsync("beta");
            var row = beta.Locator("section.shared tr", new PageLocatorOptions { HasText = "ubuntu-noble" });
            await Expect(row).ToContainTextAsync("pending");
            await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Accept" }).ClickAsync();
            await Expect(beta.Locator(".flash.ok")).ToHaveTextAsync("Share accepted.");
            await beta.GotoAsync(fixture.Url("/images"));
            await Expect(beta.Locator("table.images tbody")).ToContainTextAsync("ubuntu-noble");
            await alpha.ReloadAsync();
            await Expect(alpha.Locator("#members")).ToContainTextAsync("accepted");

            // Deactivate, reactivate.
            await alpha.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Deactivate" }).ClickAsync();
            await Expect(alpha.Locator("#image-status")).ToHaveTextAsync("deactivated");
            await alpha.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Reactivate" }).ClickAsync();
            await Expect(alpha.Locator("#image-status")).ToHaveTextAsync("active");

            // Beta may not delete alpha's image: no button, and the URL itself is refused.
            await beta.GotoAsync(imageUrl);
            await Expect(beta.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Delete" })).ToHaveCountAsync(0);

            // Delete, with a confirmation page.
            await alpha.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Delete" }).ClickAsync();
            await Expect(alpha.Locator("h1")).ToHaveTextAsync("Delete image ubuntu-noble?");
            await Browser.ScreenshotAsync(alpha, "delete-confirm");
            await alpha.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Yes, delete it" }).ClickAsync();
            await Expect(alpha.Locator(".flash.ok")).ToHaveTextAsync("Image ubuntu-noble deleted.");
            await Expect(alpha.Locator("table.images tbody")).Not.ToContainTextAsync("ubuntu-noble");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task WrongPasswordSaysSo()
    {
        var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(fixture.Url("/signin"));
        await page.Locator("#user").FillAsync("alpha");
        await page.Locator("#password").FillAsync("wrong-password");
        await page.Locator("#project").FillAsync("alpha");
        await page.Locator("#password").PressAsync("Enter");
        await Expect(page.Locator("#signin-error")).ToContainTextAsync("Sign-in failed");
        await Expect(page.Locator("#password")).ToHaveValueAsync(string.Empty);
        await Browser.ScreenshotAsync(page, "signin-failed");
    }

    [Fact]
    public async Task AnImageThatIsNotWhatItClaimsIsRefusedWithTheReason()
    {
        var file = Path.Combine(Path.GetTempPath(), $"kura-dashboard-{Guid.NewGuid():N}.qcow2");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat("this is not a qcow2 image\n", 40_000)));
        try
        {
            var page = await fixture.SignedInPageAsync("alpha");
            await page.GotoAsync(fixture.Url("/images/new"));
            await page.Locator("#name").FillAsync("not-really-qcow2");
            await page.Locator("#disk_format").SelectOptionAsync("qcow2");
            await page.Locator("#file").SetInputFilesAsync(file);
            await page.Locator("#create-form button[type=submit]").ClickAsync();
            var error = page.Locator("#upload-error");
            await Expect(error).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 60_000 });
            await Expect(error).ToContainTextAsync("The image was refused: Image disk_format is 'qcow2' but its content is");
            await Browser.ScreenshotAsync(page, "upload-refused");

            // The image stays queued, with no data, and can be retried from its page.
            await error.Locator("a").ClickAsync();
            await Expect(page.Locator("#image-status")).ToHaveTextAsync("queued");
            await Expect(page.Locator("#upload-form")).ToBeVisibleAsync();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task JapaneseFromTheBrowserAndSwitchable()
    {
        // Something to list: an active image of beta's, made through the Glance API.
        var image = await fixture.Host.CreateImageAsync(fixture.Beta.Token, new JsonObject
        {
            ["name"] = "debian-12-genericcloud",
            ["disk_format"] = "raw",
            ["container_format"] = "bare",
            ["tags"] = new JsonArray("debian"),
        });
        using (var uploaded = await fixture.Host.UploadAsync(fixture.Beta.Token, image["id"]!.GetValue<string>(), new ByteArrayContent(new byte[3 << 20])))
        {
            Assert.True(uploaded.IsSuccessStatusCode);
        }

        var page = await fixture.Browser.NewPageAsync("ja-JP");
        await page.GotoAsync(fixture.Url("/images"));
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ja");
        await Expect(page.Locator("h1")).ToHaveTextAsync("サインイン");
        await page.GetByLabel("ユーザー名").FillAsync("beta");
        await page.GetByLabel("パスワード").FillAsync("beta-pw");
        await page.GetByLabel("プロジェクト", new PageGetByLabelOptions { Exact = true }).FillAsync("beta");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "サインイン" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("イメージ一覧");
        await Expect(page.Locator("th").First).ToContainTextAsync("名前");
        await Expect(page.Locator("table.images tbody")).ToContainTextAsync("debian-12-genericcloud");
        await Browser.ScreenshotAsync(page, "images-ja");
        await page.GotoAsync(fixture.Url("/images/new"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("イメージの作成");

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "言語: English" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Create an image");
    }

    [Fact]
    public async Task UsableWithTheKeyboardAndAtPhoneWidth()
    {
        var page = await fixture.Browser.NewPageAsync(width: 390);
        await page.GotoAsync(fixture.Url("/signin"));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("skip", await page.EvaluateAsync<string>("() => document.activeElement.className"));
        await page.Locator("#user").FocusAsync();
        await page.Keyboard.TypeAsync("alpha");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("alpha-pw");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("alpha");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/dashboard/images");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "the list scrolls sideways at 390 px");
        await Browser.ScreenshotAsync(page, "images-phone");
        // Every form control has a label.
        var unlabelled = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)
            """);
        Assert.Empty(unlabelled);
    }
}
