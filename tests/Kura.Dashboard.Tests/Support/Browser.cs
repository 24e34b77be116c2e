using Microsoft.Playwright;

namespace Kura.Dashboard.Tests.Support;

/// <summary>
/// Debian's Chromium (KURA_CHROMIUM, default /usr/bin/chromium) driven by Playwright, headless, with the flags this
/// machine needs; Playwright's own browser download is never used. Screenshots go to artifacts/screenshots/.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    private IPlaywright _playwright = null!;

    public IBrowser Chromium { get; private set; } = null!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("KURA_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"Chromium is not at {ExecutablePath}: apt-get install chromium (scripts/test.sh does), or set KURA_CHROMIUM.");
        }

        var browser = new Browser { _playwright = await Playwright.CreateAsync() };
        browser.Chromium = await browser._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
        return browser;
    }

    /// <summary>A fresh profile (cookies, storage) per user of a test.</summary>
    public async Task<IPage> NewPageAsync(string? locale = null, int width = 1280, int height = 900)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale ?? "en-US",
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    /// <summary>artifacts/screenshots/ at the repository root (found by Kura.sln), ignored by git.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kura.sln")))
            {
                return dir.FullName;
            }
        }

        return Path.GetTempPath();
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
