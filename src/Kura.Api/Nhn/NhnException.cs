namespace Kura.Api.Nhn;

/// <summary>
/// A failure the v1.0 layer itself finds (unknown appkey, bad token, bad parameter, unparsable JSON), carrying one of
/// NHN's generic result codes (−1…−8); failures of the image and identity domain arrive as KuraException instead.
/// </summary>
public sealed class NhnException(int resultCode, string detail) : Exception(detail)
{
    public int ResultCode => resultCode;

    public static NhnException PermissionDenied(string detail) => new(NhnErrors.PermissionDenied, detail);

    public static NhnException InvalidParameters(string detail) => new(NhnErrors.InvalidParameters, detail);
}
