using Kura.Domain.Images;
using Microsoft.AspNetCore.Http;

namespace Kura.Tests.Architecture.Violations;

/// <summary>Reaches a store only from inside an async lambda's closure and state machine (no field, no signature).</summary>
public static class LambdaReachesStore
{
    public static Func<object, Task<int>> Handler() => async o =>
    {
        await Task.Yield();
        return o is IImageStore ? 1 : 0;
    };
}

/// <summary>Uses ASP.NET Core only inside an async method's body.</summary>
public static class AsyncUsesHttp
{
    public static async Task<string> PathAsync(object o)
    {
        await Task.Yield();
        return (o as HttpContext)?.Request.Path.Value ?? "";
    }
}

/// <summary>Touches neither.</summary>
public static class Clean
{
    public static async Task<int> CountAsync(IEnumerable<int> values)
    {
        await Task.Yield();
        return values.Count();
    }
}
