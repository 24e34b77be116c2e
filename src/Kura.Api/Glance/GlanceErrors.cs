using System.Net;
using System.Text;
using System.Text.Json;
using Kura.Domain;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Kura.Api.Glance;

/// <summary>
/// The one place that turns errors into Glance's wire shape (reference §1.2): WebOb's error page, whose format follows
/// the request's <c>Accept</c> header — JSON <c>{"message","code","title"}</c> for <c>application/json</c>, HTML for
/// <c>*/*</c> and <c>text/html</c>, plain text when there is no acceptable offer or no header at all.
/// </summary>
public static class GlanceErrors
{
    private static readonly Dictionary<int, (string Title, string Explanation)> Statuses = new()
    {
        [400] = ("Bad Request", "The server could not comply with the request since it is either malformed or otherwise incorrect."),
        [401] = ("Unauthorized", "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required."),
        [403] = ("Forbidden", "Access was denied to this resource."),
        [404] = ("Not Found", "The resource could not be found."),
        [405] = ("Method Not Allowed", "The method is not allowed for this resource."),
        [409] = ("Conflict", "There was a conflict when trying to complete your request."),
        [410] = ("Gone", "This resource is no longer available.  No forwarding address is given."),
        [413] = ("Request Entity Too Large", "The request is larger than the server is willing or able to process."),
        [415] = ("Unsupported Media Type", "The request media type is not supported by this server."),
        [416] = ("Requested Range Not Satisfiable", "The Range requested is not available."),
        [429] = ("Too Many Requests", "The client has sent too many requests in a given amount of time."),
        [500] = ("Internal Server Error", "The server has either erred or is incapable of performing the requested operation."),
        [501] = ("Not Implemented", "The request method is not implemented by this server."),
        [503] = ("Service Unavailable", "The server is currently unavailable. Please try again at a later time."),
    };

    public static Task WriteAsync(HttpContext ctx, KuraException ex) =>
        WriteAsync(ctx, ex.Kind.Status(), ex.UseDefaultExplanation ? null : ex.Explanation, ex.Detail);

    /// <summary>Writes an error; a null <paramref name="explanation"/> means the status' default sentence (WebOb's positional detail form).</summary>
    public static async Task WriteAsync(HttpContext ctx, int status, string? explanation, string? detail = null)
    {
        var (title, defaultExplanation) = Statuses.GetValueOrDefault(status, ("Error", "An error occurred."));
        explanation ??= defaultExplanation;
        var statusLine = $"{status} {title}";
        var response = ctx.Response;
        response.StatusCode = status;
        response.Headers.ContentLength = null;

        string body;
        switch (Negotiate(ctx.Request.Headers.Accept.ToString()))
        {
            case "application/json":
                response.ContentType = "application/json";
                body = JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["message"] = $"{explanation}<br /><br />\n{detail}\n\n",
                    ["code"] = statusLine,
                    ["title"] = title,
                }, Common.Json.Options);
                break;
            case "text/html":
                response.ContentType = "text/html; charset=UTF-8";
                body = $"<html>\n <head>\n  <title>{statusLine}</title>\n </head>\n <body>\n  <h1>{statusLine}</h1>\n  " +
                       $"{WebUtility.HtmlEncode(explanation)}<br /><br />\n{WebUtility.HtmlEncode(detail)}\n\n\n </body>\n</html>";
                break;
            default:
                response.ContentType = "text/plain; charset=UTF-8";
                body = $"{statusLine}\n\n{explanation}\n\n {detail?.Replace('\n', ' ')}  ";
                break;
        }

        await response.WriteAsync(body, Encoding.UTF8);
    }

    /// <summary>WebOb's <c>acceptable_offers(['text/html', 'application/json'])[0]</c>: highest quality wins, ties go to HTML.</summary>
    internal static string? Negotiate(string accept)
    {
        if (string.IsNullOrWhiteSpace(accept) || !MediaTypeHeaderValue.TryParseList([accept], out var ranges))
        {
            return null;
        }

        string? best = null;
        var bestQ = 0.0;
        foreach (var offer in new[] { "text/html", "application/json" })
        {
            var offerType = new MediaTypeHeaderValue(offer);
            double? q = null;
            var specificity = -1;
            foreach (var range in ranges)
            {
                if (!offerType.IsSubsetOf(range))
                {
                    continue;
                }

                var s = range.MatchesAllTypes ? 0 : range.MatchesAllSubTypes ? 1 : 2;
                if (s > specificity)
                {
                    specificity = s;
                    q = range.Quality ?? 1.0;
                }
            }

            if (q > bestQ)
            {
                best = offer;
                bestQ = q.Value;
            }
        }

        return best;
    }
}
