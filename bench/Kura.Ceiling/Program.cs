// Ceiling probe: answers each captured request (method, path and query) with the body Kura gave, from memory,
// with no authentication, storage or JSON work. Usage: Kura.Ceiling --urls URL --routes FILE
// where FILE has lines "METHOD<TAB>PATH?QUERY<TAB>STATUS<TAB>BODY-FILE".
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var routes = new Dictionary<string, (int Status, byte[] Body)>(StringComparer.Ordinal);
foreach (var line in File.ReadAllLines(builder.Configuration["routes"] ?? throw new ArgumentException("--routes FILE")))
{
    var parts = line.Split('\t');
    routes[parts[0] + " " + parts[1]] = (int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), File.ReadAllBytes(parts[3]));
}

app.Run(async ctx =>
{
    if (!routes.TryGetValue(ctx.Request.Method + " " + ctx.Request.Path + ctx.Request.QueryString, out var answer) &&
        !routes.TryGetValue(ctx.Request.Method + " " + ctx.Request.Path, out answer))
    {
        ctx.Response.StatusCode = 404;
        return;
    }

    ctx.Response.StatusCode = answer.Status;
    ctx.Response.ContentType = "application/json";
    ctx.Response.ContentLength = answer.Body.Length;
    await ctx.Response.Body.WriteAsync(answer.Body);
});
app.Run();
