using System.Text.Json;
using Kura.Api.Common;
using Kura.Api.Glance;
using Kura.Domain;
using Microsoft.AspNetCore.Http;

namespace Kura.Api.Nhn;

/// <summary>
/// The one place that turns outcomes into NHN Cloud's v1.0 envelope (reference §1.1): every answer is HTTP 200 with
/// <c>{"header":{"isSuccessful","resultCode","resultMessage"}}</c>. Failures the v1.0 layer finds carry the generic
/// codes −1…−8; failures of the image or token operation carry 30000 (image API) or 50000 (token API) plus the
/// HTTP status Glance or Keystone would have answered, so a refused delete is 30403 and a wrong password 50401.
/// </summary>
public static class NhnErrors
{
    public const int Success = 0;
    public const int Fail = -1;
    public const int UnknownException = -2;
    public const int PermissionDenied = -3;
    public const int InvalidParameters = -4;
    public const int Nonexistent = -5;
    public const int FailedToQuery = -6;
    public const int NotSupported = -7;
    public const int JsonParsingError = -8;

    public const int ImageApi = 30000;
    public const int TokenApi = 50000;

    /// <summary>The documented <c>resultMessage</c> of each generic code; details follow after <c>": "</c>.</summary>
    public static readonly IReadOnlyDictionary<int, string> Messages = new Dictionary<int, string>
    {
        [Success] = "SUCCESS",
        [Fail] = "FAIL",
        [UnknownException] = "UNKNOWN EXCEPTION",
        [PermissionDenied] = "Permission denied",
        [InvalidParameters] = "Invalid parameters",
        [Nonexistent] = "Nonexistent",
        [FailedToQuery] = "Failed to query internal db",
        [NotSupported] = "Not supported",
        [JsonParsingError] = "JSON parsing error",
    };

    /// <summary>30000 + status for the image routes, 50000 + status for the token routes.</summary>
    public static int CodeOf(HttpContext ctx, ErrorKind kind) =>
        (IsTokenApi(ctx) ? TokenApi : ImageApi) + kind.Status();

    public static Task WriteAsync(HttpContext ctx, KuraException ex) =>
        WriteFailureAsync(ctx, CodeOf(ctx, ex.Kind), ex.Detail is null ? ex.Explanation : (ex.Explanation + " " + ex.Detail).Trim());

    public static Task WriteAsync(HttpContext ctx, NhnException ex) =>
        WriteFailureAsync(ctx, ex.ResultCode, $"{Messages[ex.ResultCode]}: {ex.Message}");

    /// <summary>A path under the v1.0 prefix that no route serves (or a method it does not take): not supported.</summary>
    public static Task WriteStatusAsync(HttpContext ctx) =>
        WriteFailureAsync(ctx, NotSupported, $"{Messages[NotSupported]}: {ctx.Request.Method} is not supported on this path");

    public static Task WriteUnexpectedAsync(HttpContext ctx) => WriteFailureAsync(ctx, UnknownException, Messages[UnknownException]);

    public static Task WriteFailureAsync(HttpContext ctx, int code, string message) =>
        WriteAsync(ctx, w => WriteHeader(w, false, code, message));

    /// <summary>A success: the header, then whatever <paramref name="body"/> adds to the same object.</summary>
    public static Task WriteSuccessAsync(HttpContext ctx, Action<Utf8JsonWriter>? body = null) =>
        WriteAsync(ctx, w =>
        {
            WriteHeader(w, true, Success, Messages[Success]);
            body?.Invoke(w);
        });

    private static Task WriteAsync(HttpContext ctx, Action<Utf8JsonWriter> content)
    {
        ctx.Response.Headers.ContentLength = null;
        return Json.WriteAsync(ctx, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            content(w);
            w.WriteEndObject();
        });
    }

    private static void WriteHeader(Utf8JsonWriter w, bool ok, int code, string message)
    {
        w.WriteStartObject("header");
        w.WriteBoolean("isSuccessful", ok);
        w.WriteNumber("resultCode", code);
        w.WriteString("resultMessage", message);
        w.WriteEndObject();
    }

    private static bool IsTokenApi(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? string.Empty;
        return path.EndsWith("/tokens", StringComparison.Ordinal) || path.EndsWith("/tokens/", StringComparison.Ordinal);
    }
}
