using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>NHN: image data can be downloaded only when the image has <c>nhncloud_allow_download=true</c>, by anyone.</summary>
public sealed class DownloadNeedsPermission : IImageRule
{
    public const string Key = "nhncloud_allow_download";

    public void OnDownload(Caller caller, Image image)
    {
        var allowed = image.Properties.FirstOrDefault(p => p.Key == Key).Value;
        if (!string.Equals(allowed, "true", StringComparison.OrdinalIgnoreCase))
        {
            throw KuraException.Forbidden($"Image {image.Id} cannot be downloaded: its property '{Key}' is not 'true'.");
        }
    }
}
