using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>NHN: a public image cannot be deleted, by anyone; an operator makes it private first.</summary>
public sealed class PublicImagesUndeletable : IImageRule
{
    public void OnDelete(Caller caller, Image image)
    {
        if (image.Visibility == ImageVisibility.Public)
        {
            throw KuraException.Forbidden($"Image {image.Id} is public and cannot be deleted.");
        }
    }
}
