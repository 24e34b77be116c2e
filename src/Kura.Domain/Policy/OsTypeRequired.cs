using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>
/// NHN: <c>os_type</c> (<c>linux</c> or <c>windows</c>) is required on create, and a change may not remove it or
/// set another value. Images that predate the preset are left alone until a change touches <c>os_type</c>.
/// </summary>
public sealed class OsTypeRequired : IImageRule
{
    public const string Key = "os_type";

    public static readonly string[] Values = ["linux", "windows"];

    public void OnCreate(Caller caller, Image image) => Check(image);

    public void OnUpdate(Caller caller, Image before, Image after)
    {
        if (OsType(before) != OsType(after))
        {
            Check(after);
        }
    }

    private static string? OsType(Image image) => image.Properties.FirstOrDefault(p => p.Key == Key).Value;

    private static void Check(Image image)
    {
        var value = OsType(image);
        if (value is null || !Values.Contains(value))
        {
            throw KuraException.BadRequest($"Property '{Key}' is required and must be one of: {string.Join(", ", Values)}.");
        }
    }
}
