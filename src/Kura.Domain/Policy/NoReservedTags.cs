using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>
/// NHN: tags starting with <c>_</c> are reserved for the provider (its public images carry <c>_AVAILABLE_</c>), so
/// users may not add them; cloud admins may. Tags an image already has are never refused.
/// </summary>
public sealed class NoReservedTags : IImageRule
{
    public void OnCreate(Caller caller, Image image) => Check(caller, image.Tags);

    public void OnUpdate(Caller caller, Image before, Image after) =>
        Check(caller, after.Tags.Where(t => !before.Tags.Contains(t)));

    private static void Check(Caller caller, IEnumerable<string> added)
    {
        if (caller.IsAdmin)
        {
            return;
        }

        foreach (var tag in added.Where(t => t.StartsWith('_')))
        {
            throw KuraException.BadRequest($"Tag '{tag}' is not allowed: tags beginning with '_' are reserved.");
        }
    }
}
