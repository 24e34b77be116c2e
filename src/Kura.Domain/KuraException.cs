namespace Kura.Domain;

/// <summary>What went wrong, independent of any wire format. Each API dialect maps these to its own status codes and bodies.</summary>
public enum ErrorKind
{
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    PayloadTooLarge,
    UnsupportedMediaType,
    RangeNotSatisfiable,
    TooManyRequests,
    ServiceUnavailable,
}

/// <summary>The one table from <see cref="ErrorKind"/> to HTTP status, which every dialect's error mapper uses.</summary>
public static class ErrorKinds
{
    public static int Status(this ErrorKind kind) => kind switch
    {
        ErrorKind.BadRequest => 400,
        ErrorKind.Unauthorized => 401,
        ErrorKind.Forbidden => 403,
        ErrorKind.NotFound => 404,
        ErrorKind.Conflict => 409,
        ErrorKind.Gone => 410,
        ErrorKind.PayloadTooLarge => 413,
        ErrorKind.UnsupportedMediaType => 415,
        ErrorKind.RangeNotSatisfiable => 416,
        ErrorKind.TooManyRequests => 429,
        ErrorKind.ServiceUnavailable => 503,
        _ => 500,
    };
}

/// <summary>
/// A rule of the domain refused an operation. <see cref="Explanation"/> is the sentence a user reads;
/// <see cref="Detail"/>, when set, is a secondary line (Glance renders some errors as "class text + detail").
/// </summary>
public sealed class KuraException : Exception
{
    public KuraException(ErrorKind kind, string explanation, string? detail = null)
        : base(detail is null ? explanation : explanation + " " + detail)
    {
        Kind = kind;
        Explanation = explanation;
        Detail = detail;
    }

    public ErrorKind Kind { get; }

    public string Explanation { get; }

    public string? Detail { get; }

    /// <summary>When true the explanation is the dialect's default text for the status and <see cref="Detail"/> carries the specifics.</summary>
    public bool UseDefaultExplanation { get; private init; }

    public static KuraException NotFound(string message) => new(ErrorKind.NotFound, message);

    public static KuraException BadRequest(string message) => new(ErrorKind.BadRequest, message);

    public static KuraException Forbidden(string message) => new(ErrorKind.Forbidden, message);

    public static KuraException Conflict(string message) => new(ErrorKind.Conflict, message);

    /// <summary>The 503 for an image store (Swift, S3) that cannot be reached: nothing was left half-done, so the client may retry.</summary>
    public static KuraException ImageStoreUnavailable() =>
        new(ErrorKind.ServiceUnavailable, "The image store is unavailable at the moment; try again shortly.");

    /// <summary>An error whose wire text is the status' default sentence followed by <paramref name="detail"/> (WebOb's positional detail).</summary>
    public static KuraException WithDetail(ErrorKind kind, string detail) =>
        new(kind, string.Empty, detail) { UseDefaultExplanation = true };
}
