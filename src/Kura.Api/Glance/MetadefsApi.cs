using System.Text.Json;
using System.Text.Json.Nodes;
using Kura.Api.Common;
using Kura.Domain;
using Kura.Domain.Metadefs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Glance;

/// <summary>
/// Metadata definitions (reference §1.19): namespaces and, inside each, objects, properties, tags and
/// resource-type associations. Every write goes through <see cref="MetadefService"/>, which makes them admin-only.
/// </summary>
public static class MetadefsApi
{
    private const string Root = "/v2/metadefs/namespaces";

    // ---- objects, tags and resource-type associations share one handler per verb ----------------------------

    internal static Task ListObjects(HttpContext c, string ns, MetadefService s) => ListItems(c, ns, s, "objects");
    internal static Task CreateObject(HttpContext c, string ns, MetadefService s) => CreateItem(c, ns, s, "objects");
    internal static Task ShowObject(HttpContext c, string ns, string name, MetadefService s) => ShowItem(c, ns, name, s, "objects");
    internal static Task UpdateObject(HttpContext c, string ns, string name, MetadefService s) => UpdateItem(c, ns, name, s, "objects");
    internal static Task DeleteObject(HttpContext c, string ns, string name, MetadefService s) => DeleteItem(c, ns, name, s, "objects");

    internal static Task ListTags(HttpContext c, string ns, MetadefService s) => ListItems(c, ns, s, "tags");
    internal static Task CreateTag(HttpContext c, string ns, string name, MetadefService s) => CreateItem(c, ns, s, "tags", name);
    internal static Task ShowTag(HttpContext c, string ns, string name, MetadefService s) => ShowItem(c, ns, name, s, "tags");
    internal static Task UpdateTag(HttpContext c, string ns, string name, MetadefService s) => UpdateItem(c, ns, name, s, "tags");
    internal static Task DeleteTag(HttpContext c, string ns, string name, MetadefService s) => DeleteItem(c, ns, name, s, "tags");

    internal static Task ListAssociations(HttpContext c, string ns, MetadefService s) => ListItems(c, ns, s, "resource_type_associations");
    internal static Task CreateAssociation(HttpContext c, string ns, MetadefService s) => CreateItem(c, ns, s, "resource_type_associations");
    internal static Task DeleteAssociation(HttpContext c, string ns, string name, MetadefService s) => DeleteItem(c, ns, name, s, "resource_type_associations");

    // ---- namespaces ----------------------------------------------------------------------------------------

    internal static Task ResourceTypes(HttpContext ctx, MetadefService metadefs) =>
        Json.WriteAsync(ctx, 200, new
        {
            resource_types = MetadefService.ResourceTypes.Select(name => new
            {
                name,
                created_at = ImageJson.Timestamp(metadefs.SeededAt),
                updated_at = ImageJson.Timestamp(metadefs.SeededAt),
            }),
        });

    internal static async Task ListNamespaces(HttpContext ctx, MetadefService metadefs)
    {
        var all = await metadefs.ListAsync(GlanceAuth.CallerOf(ctx), ctx.RequestAborted);
        var visibility = ctx.Request.Query["visibility"].ToString();
        var list = new JsonArray(all.Where(n => visibility.Length == 0 || n.Visibility == visibility).Select(n => (JsonNode)Render(n, full: false)).ToArray());
        await Json.WriteAsync(ctx, 200, new JsonObject { ["namespaces"] = list, ["first"] = Root, ["schema"] = "/v2/schemas/metadefs/namespaces" });
    }

    internal static async Task CreateNamespace(HttpContext ctx, MetadefService metadefs)
    {
        var body = await BodyAsync(ctx);
        var now = DateTimeOffset.UtcNow;
        var ns = new MetadefNamespace
        {
            Namespace = Str(body, "namespace") ?? throw KuraException.BadRequest("Provided object does not match schema 'namespace': 'namespace' is a required property"),
            CreatedAt = now,
        };
        ApplyNamespaceFields(ns, body);
        var stamp = metadefs.Now();
        foreach (var key in new[] { "resource_type_associations", "objects", "tags" })
        {
            if (body[key] is JsonArray items)
            {
                var target = ns.Array(key);
                foreach (var item in items.OfType<JsonObject>())
                {
                    var copy = item.DeepClone().AsObject();
                    copy["created_at"] = stamp;
                    copy["updated_at"] = stamp;
                    target.Add(copy);
                }
            }
        }

        if (body["properties"] is JsonObject properties)
        {
            ns.Document["properties"] = properties.DeepClone();
        }

        var created = await metadefs.CreateAsync(GlanceAuth.CallerOf(ctx), ns, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, Render(created, full: true));
    }

    internal static async Task ShowNamespace(HttpContext ctx, string ns, MetadefService metadefs) =>
        await Json.WriteAsync(ctx, 200, Render(await metadefs.GetAsync(GlanceAuth.CallerOf(ctx), ns, ctx.RequestAborted), full: true));

    internal static async Task UpdateNamespace(HttpContext ctx, string ns, MetadefService metadefs)
    {
        var body = await BodyAsync(ctx);
        var updated = await metadefs.UpdateAsync(GlanceAuth.CallerOf(ctx), ns, n =>
        {
            n.Namespace = Str(body, "namespace") ?? n.Namespace;
            ApplyNamespaceFields(n, body);
        }, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, Render(updated, full: false));
    }

    internal static async Task DeleteNamespace(HttpContext ctx, string ns, MetadefService metadefs)
    {
        await metadefs.DeleteAsync(GlanceAuth.CallerOf(ctx), ns, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }

    private static void ApplyNamespaceFields(MetadefNamespace ns, JsonObject body)
    {
        ns.Visibility = Str(body, "visibility") ?? ns.Visibility;
        ns.Protected = body["protected"] is JsonValue p ? (p.TryGetValue<bool>(out var b) ? b : throw KuraException.BadRequest("'protected' must be a boolean")) : ns.Protected;
        ns.Owner = Str(body, "owner") ?? ns.Owner;
        foreach (var key in new[] { "display_name", "description" })
        {
            if (Str(body, key) is { } value)
            {
                ns.Document[key] = value;
            }
        }
    }

    private static JsonObject Render(MetadefNamespace ns, bool full)
    {
        var json = new JsonObject { ["namespace"] = ns.Namespace };
        foreach (var key in new[] { "display_name", "description" })
        {
            if (ns.Document[key] is { } value)
            {
                json[key] = value.DeepClone();
            }
        }

        json["visibility"] = ns.Visibility;
        json["protected"] = ns.Protected;
        json["owner"] = ns.Owner;
        json["created_at"] = ImageJson.Timestamp(ns.CreatedAt);
        json["updated_at"] = ImageJson.Timestamp(ns.UpdatedAt);
        json["schema"] = "/v2/schemas/metadefs/namespace";
        json["self"] = $"{Root}/{ns.Namespace}";
        foreach (var key in full ? new[] { "resource_type_associations", "properties", "objects", "tags" } : ["resource_type_associations"])
        {
            if (ns.Document[key] is JsonArray { Count: > 0 } or JsonObject { Count: > 0 })
            {
                json[key] = ns.Document[key]!.DeepClone();
            }
        }

        return json;
    }

    // ---- objects, tags and resource-type associations: named items in an array -----------------------------

    private static async Task ListItems(HttpContext ctx, string ns, MetadefService metadefs, string kind)
    {
        var namespaceRecord = await metadefs.GetAsync(GlanceAuth.CallerOf(ctx), ns, ctx.RequestAborted);
        var items = new JsonArray(namespaceRecord.Array(kind).OfType<JsonObject>().Select(i => (JsonNode)RenderItem(ns, kind, i)).ToArray());
        var body = new JsonObject { [kind] = items };
        if (kind == "objects")
        {
            body["schema"] = "/v2/schemas/metadefs/objects";
        }

        await Json.WriteAsync(ctx, 200, body);
    }

    private static async Task CreateItem(HttpContext ctx, string ns, MetadefService metadefs, string kind, string? nameFromPath = null)
    {
        var item = nameFromPath is null ? await BodyAsync(ctx) : new JsonObject { ["name"] = nameFromPath };
        var name = CheckName(Str(item, "name"), kind);
        var stamp = metadefs.Now();
        item["created_at"] = stamp;
        item["updated_at"] = stamp;
        await metadefs.MutateAsync(GlanceAuth.CallerOf(ctx), ns, "modify_metadef_namespace", n =>
        {
            var items = n.Array(kind);
            if (MetadefService.Named(items, name) is not null)
            {
                throw KuraException.Conflict($"A metadata definition {Singular(kind)} with name={name} already exists in namespace={ns}.");
            }

            items.Add(item.DeepClone());
        }, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, RenderItem(ns, kind, item));
    }

    private static async Task ShowItem(HttpContext ctx, string ns, string name, MetadefService metadefs, string kind)
    {
        var namespaceRecord = await metadefs.GetAsync(GlanceAuth.CallerOf(ctx), ns, ctx.RequestAborted);
        var item = MetadefService.Named(namespaceRecord.Array(kind), name) ?? throw ItemNotFound(kind, name, ns);
        await Json.WriteAsync(ctx, 200, RenderItem(ns, kind, item));
    }

    private static async Task UpdateItem(HttpContext ctx, string ns, string name, MetadefService metadefs, string kind)
    {
        var body = await BodyAsync(ctx);
        var newName = CheckName(Str(body, "name") ?? name, kind);
        JsonObject? result = null;
        await metadefs.MutateAsync(GlanceAuth.CallerOf(ctx), ns, "modify_metadef_namespace", n =>
        {
            var items = n.Array(kind);
            var item = MetadefService.Named(items, name) ?? throw ItemNotFound(kind, name, ns);
            if (newName != name && MetadefService.Named(items, newName) is not null)
            {
                throw KuraException.Conflict($"A metadata definition {Singular(kind)} with name={newName} already exists in namespace={ns}.");
            }

            var replacement = body.DeepClone().AsObject();
            replacement["name"] = newName;
            replacement["created_at"] = item["created_at"]?.DeepClone();
            replacement["updated_at"] = metadefs.Now();
            items[items.IndexOf(item)] = replacement;
            result = replacement;
        }, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, RenderItem(ns, kind, result!));
    }

    private static async Task DeleteItem(HttpContext ctx, string ns, string name, MetadefService metadefs, string kind)
    {
        await metadefs.MutateAsync(GlanceAuth.CallerOf(ctx), ns, "modify_metadef_namespace", n =>
        {
            var items = n.Array(kind);
            var item = MetadefService.Named(items, name) ?? throw ItemNotFound(kind, name, ns);
            items.Remove(item);
        }, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }

    /// <summary><c>POST …/tags</c> with <c>{"tags":[{"name":…},…]}</c>: replaces the namespace's tags.</summary>
    internal static async Task CreateTags(HttpContext ctx, string ns, MetadefService metadefs)
    {
        var body = await BodyAsync(ctx);
        var stamp = metadefs.Now();
        var tags = new JsonArray();
        foreach (var tag in body["tags"] as JsonArray ?? throw KuraException.BadRequest("Provided object does not match schema 'tags': 'tags' is a required property"))
        {
            var name = CheckName(tag is JsonObject o ? Str(o, "name") : null, "tags");
            if (MetadefService.Named(tags, name) is not null)
            {
                throw KuraException.Conflict($"Duplicate tag {name} in the request.");
            }

            tags.Add(new JsonObject { ["name"] = name, ["created_at"] = stamp, ["updated_at"] = stamp });
        }

        await metadefs.MutateAsync(GlanceAuth.CallerOf(ctx), ns, "modify_metadef_namespace", n => n.Document["tags"] = tags.DeepClone(), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new JsonObject { ["tags"] = tags });
    }

    internal static async Task DeleteTags(HttpContext ctx, string ns, MetadefService metadefs)
    {
        await metadefs.MutateAsync(GlanceAuth.CallerOf(ctx), ns, "modify_metadef_namespace", n => n.Document["tags"] = new JsonArray(), ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }

    private static JsonObject RenderItem(string ns, string kind, JsonObject item)
    {
        var json = item.DeepClone().AsObject();
        if (kind == "objects")
        {
            json["schema"] = "/v2/schemas/metadefs/object";
            json["self"] = $"{Root}/{ns}/objects/{(string?)item["name"]}";
        }

        return json;
    }

    // ---- properties: a JSON object keyed by name -----------------------------------------------------------

    internal static async Task ListProperties(HttpContext ctx, string ns, MetadefService metadefs)
    {
        var namespaceRecord = await metadefs.GetAsync(GlanceAuth.CallerOf(ctx), ns, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new JsonObject { ["properties"] = namespaceRecord.Object("properties").DeepClone() });
    }

    internal static async Task CreateProperty(HttpContext ctx, string ns, MetadefService metadefs)
    {
        var body = await BodyAsync(ctx);
        var name = CheckName(Str(body, "name"), "properties");
        CheckProperty(body);
        await metadefs.MutateAsync(GlanceAuth.CallerOf(ctx), ns, "modify_metadef_namespace", n =>
        {
            var properties = n.Object("properties");
            if (properties.ContainsKey(name))
            {
                throw KuraException.Conflict($"A metadata definition property with name={name} already exists in namespace={ns}.");
            }

            properties[name] = WithoutName(body);
        }, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, body);
    }

    internal static async Task ShowProperty(HttpContext ctx, string ns, string name, MetadefService metadefs)
    {
        var namespaceRecord = await metadefs.GetAsync(GlanceAuth.CallerOf(ctx), ns, ctx.RequestAborted);
        var property = namespaceRecord.Object("properties")[name] as JsonObject ?? throw ItemNotFound("properties", name, ns);
        var json = new JsonObject { ["name"] = name };
        foreach (var (key, value) in property)
        {
            json[key] = value?.DeepClone();
        }

        await Json.WriteAsync(ctx, 200, json);
    }

    internal static async Task UpdateProperty(HttpContext ctx, string ns, string name, MetadefService metadefs)
    {
        var body = await BodyAsync(ctx);
        var newName = CheckName(Str(body, "name") ?? name, "properties");
        CheckProperty(body);
        body["name"] = newName;
        await metadefs.MutateAsync(GlanceAuth.CallerOf(ctx), ns, "modify_metadef_namespace", n =>
        {
            var properties = n.Object("properties");
            if (!properties.ContainsKey(name))
            {
                throw ItemNotFound("properties", name, ns);
            }

            if (newName != name && properties.ContainsKey(newName))
            {
                throw KuraException.Conflict($"A metadata definition property with name={newName} already exists in namespace={ns}.");
            }

            properties.Remove(name);
            properties[newName] = WithoutName(body);
        }, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, body);
    }

    internal static async Task DeleteProperty(HttpContext ctx, string ns, string name, MetadefService metadefs)
    {
        await metadefs.MutateAsync(GlanceAuth.CallerOf(ctx), ns, "modify_metadef_namespace", n =>
        {
            if (!n.Object("properties").Remove(name))
            {
                throw ItemNotFound("properties", name, ns);
            }
        }, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }

    private static void CheckProperty(JsonObject body)
    {
        if (Str(body, "title") is null || Str(body, "type") is null)
        {
            throw KuraException.BadRequest("Provided object does not match schema 'property': 'title' and 'type' are required properties");
        }
    }

    private static JsonObject WithoutName(JsonObject body)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove("name");
        return copy;
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static async Task<JsonObject> BodyAsync(HttpContext ctx)
    {
        try
        {
            return await JsonNode.ParseAsync(ctx.Request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 32 }, cancellationToken: ctx.RequestAborted) as JsonObject
                ?? throw KuraException.BadRequest("Unexpected body type. Expected list/dict.");
        }
        catch (JsonException)
        {
            throw KuraException.BadRequest("Malformed JSON in request body.");
        }
    }

    private static string? Str(JsonObject body, string key) =>
        body[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw KuraException.BadRequest($"Provided object does not match schema: '{key}' must be a string"),
        };

    private static string CheckName(string? name, string kind) =>
        string.IsNullOrEmpty(name) || name.Length > 80
            ? throw KuraException.BadRequest($"Provided object does not match schema '{Singular(kind)}': 'name' must be 1 to 80 characters")
            : name;

    private static string Singular(string kind) => kind switch
    {
        "objects" => "object",
        "tags" => "tag",
        "properties" => "property",
        _ => "resource_type_association",
    };

    private static KuraException ItemNotFound(string kind, string name, string ns) =>
        KuraException.NotFound($"Metadata definition {Singular(kind)} not found for namespace={ns} and name={name}.");
}
