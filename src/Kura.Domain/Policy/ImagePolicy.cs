using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>
/// The rules of one preset, composed: each hook runs every rule in order. <see cref="For"/> is the one place that
/// says which rules make up which provider.
/// </summary>
public sealed class ImagePolicy(string preset, IReadOnlyList<IImageRule> rules)
{
    public string Preset => preset;

    public IReadOnlyList<IImageRule> Rules => rules;

    /// <summary>The rules of the configured preset. OpenStack has none: plain Glance behaviour.</summary>
    public static ImagePolicy For(PolicyOptions options, IImageStore store)
    {
        var preset = PolicyOptions.Presets.FirstOrDefault(options.Is)
            ?? throw new InvalidOperationException($"Unknown Policy:Preset '{options.Preset}'. Supported: {string.Join(", ", PolicyOptions.Presets)}.");
        IReadOnlyList<IImageRule> rules = preset switch
        {
            PolicyOptions.Nhn =>
            [
                new OsTypeRequired(),
                new PrivateOrSharedVisibility(),
                new PublicImagesUndeletable(),
                new NoReservedTags(),
                new DownloadNeedsPermission(),
            ],
            PolicyOptions.Conoha => [new ProjectImageSizeQuota(store, options.ConohaDefaultImageSize, options.ConohaImageSizeStep)],
            _ => [],
        };
        return new ImagePolicy(preset, rules);
    }

    public bool Is(string name) => string.Equals(preset, name, StringComparison.Ordinal);

    public void OnCreate(Caller caller, Image image)
    {
        foreach (var rule in rules)
        {
            rule.OnCreate(caller, image);
        }
    }

    public void OnUpdate(Caller caller, Image before, Image after)
    {
        foreach (var rule in rules)
        {
            rule.OnUpdate(caller, before, after);
        }
    }

    public void OnDelete(Caller caller, Image image)
    {
        foreach (var rule in rules)
        {
            rule.OnDelete(caller, image);
        }
    }

    public void OnDownload(Caller caller, Image image)
    {
        foreach (var rule in rules)
        {
            rule.OnDownload(caller, image);
        }
    }

    /// <summary>The smallest storage quota any rule sets for <paramref name="owner"/>, or null when none sets one.</summary>
    public async ValueTask<long?> StorageQuotaAsync(string owner, CancellationToken ct)
    {
        long? quota = null;
        foreach (var rule in rules)
        {
            if (await rule.StorageQuotaAsync(owner, ct) is { } limit && (quota is null || limit < quota))
            {
                quota = limit;
            }
        }

        return quota;
    }
}
