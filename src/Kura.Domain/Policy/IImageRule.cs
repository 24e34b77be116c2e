using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>
/// One provider rule about images. <see cref="ImageService"/> calls every rule of the configured preset at fixed
/// points; a rule refuses by throwing a <see cref="KuraException"/> and overrides only the hooks it needs.
/// Hooks run after Glance's own checks (visibility, ownership, protection), so a rule only ever narrows them.
/// </summary>
public interface IImageRule
{
    /// <summary>A new image, fully built, before it is stored.</summary>
    void OnCreate(Caller caller, Image image)
    {
    }

    /// <summary>An image record change (PATCH, tag add/remove, deactivate/reactivate), before it is stored.</summary>
    void OnUpdate(Caller caller, Image before, Image after)
    {
    }

    /// <summary>A delete the caller is otherwise allowed to make.</summary>
    void OnDelete(Caller caller, Image image)
    {
    }

    /// <summary>A download of an image the caller can see.</summary>
    void OnDownload(Caller caller, Image image)
    {
    }

    /// <summary>The bytes of image data <paramref name="owner"/> may store, or null when this rule sets no limit.</summary>
    ValueTask<long?> StorageQuotaAsync(string owner, CancellationToken ct) => ValueTask.FromResult<long?>(null);
}
