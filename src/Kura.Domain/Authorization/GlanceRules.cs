namespace Kura.Domain.Authorization;

/// <summary>
/// The default rules of the newest Glance (secure RBAC, <c>enforce_new_defaults=True</c>), by Glance's rule names, as
/// check strings: a <c>reader</c> reads, a <c>member</c> writes in its own project, <c>admin</c> does everything,
/// <c>service</c> where Glance lets services in. With <see cref="Legacy"/> every rule allows (Glance's
/// pre-2023 <c>default: ""</c>), leaving the ownership and visibility rules that the image service applies anyway.
/// </summary>
public static class GlanceRules
{
    private const string Admin = "rule:context_is_admin";
    private const string ProjectMember = "role:member and project_id:%(project_id)s";
    private const string ProjectReader = "role:reader and project_id:%(project_id)s";
    private const string ImageMember = "project_id:%(member_id)s";
    private const string Shareable = "'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s";
    private const string AdminOrMember = $"{Admin} or ({ProjectMember})";
    private const string AdminOrReader = $"{Admin} or ({ProjectReader})";
    private const string GetImage = $"{Admin} or (role:reader and (project_id:%(project_id)s or {ImageMember} or {Shareable}))";
    private const string Download = $"{Admin} or (role:member and (project_id:%(project_id)s or {ImageMember} or {Shareable}))";
    private const string Create = $"{Admin} or ({ProjectMember} and project_id:%(owner)s)";
    private const string GetNamespace = $"{Admin} or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))";
    private const string ReaderOrSharedMember = $"{Admin} or role:reader and (project_id:%(project_id)s or {ImageMember})";
    private const string SharedMember = $"{Admin} or (role:member and {ImageMember})";

    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["default"] = string.Empty,
        ["context_is_admin"] = "role:admin",
        ["service_api"] = "role:service or role:admin",

        ["add_image"] = Create,
        ["delete_image"] = AdminOrMember,
        ["get_image"] = GetImage,
        ["get_images"] = AdminOrReader,
        ["modify_image"] = AdminOrMember,
        ["publicize_image"] = Admin,
        ["communitize_image"] = AdminOrMember,
        ["download_image"] = Download,
        ["download_from_store"] = Download,
        ["upload_image"] = AdminOrMember,
        ["delete_image_location"] = Admin,
        ["get_image_location"] = AdminOrReader,
        ["set_image_location"] = AdminOrMember,
        ["add_image_location"] = $"rule:service_api or ({ProjectMember} and project_id:%(owner)s)",
        ["fetch_image_location"] = "rule:service_api",
        ["add_member"] = AdminOrMember,
        ["delete_member"] = AdminOrMember,
        ["get_member"] = ReaderOrSharedMember,
        ["get_members"] = ReaderOrSharedMember,
        ["modify_member"] = SharedMember,
        ["manage_image_cache"] = Admin,
        ["deactivate"] = AdminOrMember,
        ["reactivate"] = AdminOrMember,
        ["copy_image"] = Admin,
        ["list_cached_nodes"] = Admin,
        ["stores_info_detail"] = Admin,

        // Kura's own: ConoHa's PUT /v2/quota, a write for the caller's project.
        ["set_image_size_quota"] = AdminOrMember,

        ["get_task"] = "rule:default",
        ["get_tasks"] = "rule:default",
        ["add_task"] = "rule:default",
        ["modify_task"] = "rule:default",
        ["tasks_api_access"] = Admin,

        ["metadef_default"] = string.Empty,
        ["metadef_admin"] = Admin,
        ["get_metadef_namespace"] = GetNamespace,
        ["get_metadef_namespaces"] = AdminOrReader,
        ["modify_metadef_namespace"] = "rule:metadef_admin",
        ["add_metadef_namespace"] = "rule:metadef_admin",
        ["delete_metadef_namespace"] = "rule:metadef_admin",
        ["get_metadef_object"] = GetNamespace,
        ["get_metadef_objects"] = GetNamespace,
        ["modify_metadef_object"] = "rule:metadef_admin",
        ["add_metadef_object"] = "rule:metadef_admin",
        ["delete_metadef_object"] = "rule:metadef_admin",
        ["list_metadef_resource_types"] = GetNamespace,
        ["get_metadef_resource_type"] = GetNamespace,
        ["add_metadef_resource_type_association"] = "rule:metadef_admin",
        ["remove_metadef_resource_type_association"] = "rule:metadef_admin",
        ["get_metadef_property"] = GetNamespace,
        ["get_metadef_properties"] = GetNamespace,
        ["modify_metadef_property"] = "rule:metadef_admin",
        ["add_metadef_property"] = "rule:metadef_admin",
        ["remove_metadef_property"] = "rule:metadef_admin",
        ["get_metadef_tag"] = GetNamespace,
        ["get_metadef_tags"] = GetNamespace,
        ["modify_metadef_tag"] = "rule:metadef_admin",
        ["add_metadef_tag"] = "rule:metadef_admin",
        ["add_metadef_tags"] = "rule:metadef_admin",
        ["delete_metadef_tag"] = "rule:metadef_admin",
        ["delete_metadef_tags"] = "rule:metadef_admin",
    };

    /// <summary>Glance before secure RBAC: every rule is the empty check (allow) except the admin rules it always had.</summary>
    public static IReadOnlyDictionary<string, string> Legacy { get; } = Defaults.ToDictionary(
        rule => rule.Key,
        rule => rule.Key is "context_is_admin" or "service_api" or "publicize_image" or "copy_image" or "metadef_admin" or "tasks_api_access"
            or "manage_image_cache" or "list_cached_nodes" or "stores_info_detail" or "delete_image_location" or "fetch_image_location"
            || rule.Value == "rule:metadef_admin"
            ? rule.Value
            : string.Empty,
        StringComparer.Ordinal);
}
