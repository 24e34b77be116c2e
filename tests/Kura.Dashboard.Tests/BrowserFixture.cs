using Kura.Tests.Support;
using Microsoft.Playwright;
using BrowserHost = Kura.Dashboard.Tests.Support.Browser;

namespace Kura.Dashboard.Tests;

/// <summary>One Kura on loopback (SQLite), two projects with a member user each, and one headless Chromium.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public KuraHost Host { get; private set; } = null!;

    public BrowserHost Browser { get; private set; } = null!;

    public Account Alpha { get; private set; } = null!;

    public Account Beta { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await KuraHost.StartAsync();
        Alpha = await Host.CreateAccountAsync("alpha");
        Beta = await Host.CreateAccountAsync("beta");
        Browser = await BrowserHost.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Host.DisposeAsync();
    }

    public string Url(string path) => $"{Host.BaseUrl}/dashboard{path}";

    /// <summary>Signs in through the form (user name = project name, as <see cref="KuraHost.CreateAccountAsync"/> makes them).</summary>
    public async Task<IPage> SignedInPageAsync(string name, string? locale = null, int width = 1280)
    {
        var page = await Browser.NewPageAsync(locale, width);
        await page.GotoAsync(Url("/images"));
        await page.Locator("#user").FillAsync(name);
        await page.Locator("#password").FillAsync(name + "-pw");
        await page.Locator("#project").FillAsync(name);
        await page.Locator("form[action='/dashboard/signin'] button[type=submit]").ClickAsync();
        try
        {
            await page.WaitForURLAsync("**/dashboard/images", new PageWaitForURLOptions { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"Sign-in as {name} did not reach the images page; the page is {page.Url}:\n{await page.ContentAsync()}");
        }

        return page;
    }
}

[CollectionDefinition("browser")]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>;
