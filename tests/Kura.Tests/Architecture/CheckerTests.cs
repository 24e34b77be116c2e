using Kura.Domain.Images;
using Microsoft.AspNetCore.Http;

namespace Kura.Tests.Architecture;

/// <summary>The checker of <see cref="LayerTests"/> fails on violations: run over types of this assembly written to
/// violate each rule, with the reference only inside an async lambda or an async method's state machine.</summary>
public sealed class CheckerTests
{
    private static readonly string Self = typeof(CheckerTests).Assembly.Location;

    [Fact]
    public void A_store_reached_inside_an_async_lambda_is_found()
    {
        var offences = ReferenceChecker.Offences(Self, LayerTests.IsStore, t => t.FullName == typeof(Violations.LambdaReachesStore).FullName);
        Assert.Contains(offences, o => o.Type == typeof(Violations.LambdaReachesStore).FullName!.Replace('+', '/')
            && o.Reference == typeof(IImageStore).FullName);
    }

    [Fact]
    public void A_web_type_used_inside_an_async_method_is_found()
    {
        var offences = ReferenceChecker.Offences(Self, LayerTests.IsInfrastructure, t => t.FullName == typeof(Violations.AsyncUsesHttp).FullName);
        Assert.Contains(offences, o => o.Reference == typeof(HttpContext).FullName);
    }

    [Fact]
    public void A_clean_type_passes()
    {
        Assert.Empty(ReferenceChecker.Offences(Self, LayerTests.IsStore, t => t.FullName == typeof(Violations.Clean).FullName));
        Assert.Empty(ReferenceChecker.Offences(Self, LayerTests.IsInfrastructure, t => t.FullName == typeof(Violations.Clean).FullName));
    }
}
