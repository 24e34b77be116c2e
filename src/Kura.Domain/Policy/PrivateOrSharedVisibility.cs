using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>
/// NHN: users create and set only <c>private</c> or <c>shared</c> images (no <c>community</c>; <c>public</c> is
/// already admin-only in Glance). Cloud admins are exempt: they publish the public images.
/// </summary>
public sealed class PrivateOrSharedVisibility : IImageRule
{
    public void OnCreate(Caller caller, Image image) => Check(caller, image.Visibility);

    public void OnUpdate(Caller caller, Image before, Image after)
    {
        if (before.Visibility != after.Visibility)
        {
            Check(caller, after.Visibility);
        }
    }

    private static void Check(Caller caller, string visibility)
    {
        if (!caller.IsAdmin && visibility is not (ImageVisibility.Private or ImageVisibility.Shared))
        {
            throw KuraException.Forbidden($"Visibility '{visibility}' is not allowed: images may only be private or shared.");
        }
    }
}
