using System.Net;
using System.Text.RegularExpressions;

namespace Kura.Dashboard.Tests.Support;

/// <summary>A browser without a browser: cookies, no automatic redirects, and the antiforgery token read off each page.</summary>
public sealed partial class DashboardClient : IDisposable
{
    private readonly HttpClient _http;

    public DashboardClient(string baseUrl)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = new Uri(baseUrl + "/"),
        };
    }

    public CookieContainer Cookies { get; }

    public HttpClient Http => _http;

    /// <summary>The antiforgery token of the last page fetched with <see cref="GetPageAsync"/>.</summary>
    public string Token { get; private set; } = string.Empty;

    public async Task<(HttpResponseMessage Response, string Html)> GetPageAsync(string path)
    {
        var response = await _http.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        if (TokenRegex().Match(html) is { Success: true } match)
        {
            Token = WebUtility.HtmlDecode(match.Groups[1].Value);
        }

        return (response, html);
    }

    public Task<HttpResponseMessage> PostAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, bool withToken = true) =>
        _http.PostAsync(path, new FormUrlEncodedContent(withToken ? [new("__af", Token), .. fields] : fields));

    /// <summary>Signs in through the form; returns the answer to the form post.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string user, string password, string project)
    {
        await GetPageAsync("dashboard/signin");
        return await PostAsync("dashboard/signin", [new("user", user), new("password", password), new("project", project)]);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
