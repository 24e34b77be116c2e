using Kura.Api.Conoha;
using Kura.Domain.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Api.Glance;

/// <summary>
/// Every route of the Images API v2, in the API reference's order, in one group behind Keystone token
/// authentication (<see cref="GlanceAuth.Filter"/>); the ConoHa preset adds its extras to the same group. Handlers
/// live in one file per part of the reference (images, data, actions and tags, members, import, schemas, metadefs).
/// </summary>
public static class GlanceRoutes
{
    public static IEndpointRouteBuilder MapGlance(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").AddEndpointFilter(GlanceAuth.Filter);
        var streamed = new DisableRequestSizeLimitAttribute(); // image data has its own limit (ImageDataWriter)

        // Images (§1.4–1.10), image data (§1.11), import (§1.12), tags (§1.14), actions (§1.15), members (§1.16)
        v2.MapPost("/images", ImagesApi.Create);
        v2.MapGet("/images", ImagesApi.List);
        v2.MapGet("/images/{imageId}", ImagesApi.Show);
        v2.MapPatch("/images/{imageId}", ImageActionsApi.Update);
        v2.MapDelete("/images/{imageId}", ImagesApi.Delete);
        v2.MapPut("/images/{imageId}/file", ImageDataApi.UploadAsync).WithMetadata(streamed);
        v2.MapGet("/images/{imageId}/file", ImageDataApi.DownloadAsync);
        v2.MapPut("/images/{imageId}/stage", ImportApi.Stage).WithMetadata(streamed);
        v2.MapPost("/images/{imageId}/import", ImportApi.Import);
        v2.MapGet("/images/{imageId}/tasks", ImportApi.Tasks);
        v2.MapPut("/images/{imageId}/tags/{tag}", ImageActionsApi.AddTag);
        v2.MapDelete("/images/{imageId}/tags/{tag}", ImageActionsApi.RemoveTag);
        v2.MapPost("/images/{imageId}/actions/deactivate", ImageActionsApi.Deactivate);
        v2.MapPost("/images/{imageId}/actions/reactivate", ImageActionsApi.Reactivate);
        v2.MapPost("/images/{imageId}/members", MembersApi.Add);
        v2.MapGet("/images/{imageId}/members", MembersApi.List);
        v2.MapGet("/images/{imageId}/members/{memberId}", MembersApi.Show);
        v2.MapPut("/images/{imageId}/members/{memberId}", MembersApi.Update);
        v2.MapDelete("/images/{imageId}/members/{memberId}", MembersApi.Remove);

        // Discovery (§1.13) and schemas (§1.18)
        v2.MapGet("/info/import", ImportApi.ImportInfo);
        v2.MapGet("/info/stores", ImportApi.StoresInfo);
        v2.MapGet("/info/stores/detail", ImportApi.StoresInfo);
        v2.MapGet("/info/usage", ImportApi.Usage);
        v2.MapGet("/schemas/{name}", (HttpContext ctx, string name) => SchemasApi.Serve(ctx, name));
        v2.MapGet("/schemas/metadefs/{name}", (HttpContext ctx, string name) => SchemasApi.Serve(ctx, "metadefs_" + name));

        // Metadata definitions (§1.19): namespaces, objects, tags, resource types, properties
        v2.MapGet("/metadefs/resource_types", MetadefsApi.ResourceTypes);
        v2.MapGet("/metadefs/namespaces", MetadefsApi.ListNamespaces);
        v2.MapPost("/metadefs/namespaces", MetadefsApi.CreateNamespace);
        v2.MapGet("/metadefs/namespaces/{ns}", MetadefsApi.ShowNamespace);
        v2.MapPut("/metadefs/namespaces/{ns}", MetadefsApi.UpdateNamespace);
        v2.MapDelete("/metadefs/namespaces/{ns}", MetadefsApi.DeleteNamespace);
        v2.MapGet("/metadefs/namespaces/{ns}/objects", MetadefsApi.ListObjects);
        v2.MapPost("/metadefs/namespaces/{ns}/objects", MetadefsApi.CreateObject);
        v2.MapGet("/metadefs/namespaces/{ns}/objects/{name}", MetadefsApi.ShowObject);
        v2.MapPut("/metadefs/namespaces/{ns}/objects/{name}", MetadefsApi.UpdateObject);
        v2.MapDelete("/metadefs/namespaces/{ns}/objects/{name}", MetadefsApi.DeleteObject);
        v2.MapGet("/metadefs/namespaces/{ns}/tags", MetadefsApi.ListTags);
        v2.MapPost("/metadefs/namespaces/{ns}/tags", MetadefsApi.CreateTags);
        v2.MapDelete("/metadefs/namespaces/{ns}/tags", MetadefsApi.DeleteTags);
        v2.MapPost("/metadefs/namespaces/{ns}/tags/{name}", MetadefsApi.CreateTag);
        v2.MapGet("/metadefs/namespaces/{ns}/tags/{name}", MetadefsApi.ShowTag);
        v2.MapPut("/metadefs/namespaces/{ns}/tags/{name}", MetadefsApi.UpdateTag);
        v2.MapDelete("/metadefs/namespaces/{ns}/tags/{name}", MetadefsApi.DeleteTag);
        v2.MapGet("/metadefs/namespaces/{ns}/resource_types", MetadefsApi.ListAssociations);
        v2.MapPost("/metadefs/namespaces/{ns}/resource_types", MetadefsApi.CreateAssociation);
        v2.MapDelete("/metadefs/namespaces/{ns}/resource_types/{name}", MetadefsApi.DeleteAssociation);
        v2.MapGet("/metadefs/namespaces/{ns}/properties", MetadefsApi.ListProperties);
        v2.MapPost("/metadefs/namespaces/{ns}/properties", MetadefsApi.CreateProperty);
        v2.MapGet("/metadefs/namespaces/{ns}/properties/{name}", MetadefsApi.ShowProperty);
        v2.MapPut("/metadefs/namespaces/{ns}/properties/{name}", MetadefsApi.UpdateProperty);
        v2.MapDelete("/metadefs/namespaces/{ns}/properties/{name}", MetadefsApi.DeleteProperty);

        // ConoHa's additions (reference §2.2), in Glance's error shape behind the same authentication
        if (app.ServiceProvider.GetRequiredService<ImagePolicy>().Is(PolicyOptions.Conoha))
        {
            v2.MapGet("/quota", ConohaApi.ShowQuota);
            v2.MapPut("/quota", ConohaApi.SetQuota);
            v2.MapGet("/images/total", ConohaApi.Total);
        }

        return app;
    }
}
