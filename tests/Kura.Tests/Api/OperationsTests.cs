namespace Kura.Tests.Api;

/// <summary><c>/healthcheck</c> as oslo.middleware answers it, and <c>/metrics</c> in Prometheus text.</summary>
public sealed partial class OperationsTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    [Fact]
    public async Task The_healthcheck_answers_OK_without_a_token_to_GET_and_HEAD()
    {
        using var get = await Kura.Http.GetAsync("healthcheck");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("OK", await get.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", get.Content.Headers.ContentType!.MediaType);
        using var head = await Kura.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "healthcheck"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task Metrics_count_requests_by_route_template_bytes_uploads_in_flight_and_images_by_status()
    {
        var token = await Kura.AdminTokenAsync();
        var before = await ScrapeAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using (var upload = await Kura.UploadAsync(token, id, new ByteArrayContent(new byte[100_000])))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{Guid.NewGuid()}", token, null));

        var after = await ScrapeAsync();
        Assert.Equal(Value(before, "kura_http_requests_total{method=\"PUT\",route=\"/v2/images/{imageId}/file\",code=\"204\"}") + 1,
            Value(after, "kura_http_requests_total{method=\"PUT\",route=\"/v2/images/{imageId}/file\",code=\"204\"}"));
        Assert.True(Value(after, "kura_http_requests_total{method=\"GET\",route=\"/v2/images/{imageId}\",code=\"404\"}") >= 1);
        Assert.True(Value(after, "kura_http_request_bytes_total") - Value(before, "kura_http_request_bytes_total") >= 100_000);
        Assert.True(Value(after, "kura_http_response_bytes_total") > Value(before, "kura_http_response_bytes_total"));
        Assert.True(Value(after, "kura_images{status=\"active\"}") >= 1);
        Assert.True(Value(after, "kura_http_request_duration_seconds_count{method=\"PUT\",route=\"/v2/images/{imageId}/file\"}") >= 1);
        Assert.True(Value(after, "process_resident_memory_bytes") > 10_000_000);
        Assert.True(Value(after, "dotnet_gc_heap_bytes") > 0);
        Assert.True(Value(after, "dotnet_gc_committed_bytes") >= Value(after, "dotnet_gc_heap_bytes"));

        // No raw path, id or token ever becomes a label.
        Assert.DoesNotContain(id, after, StringComparison.Ordinal);
        Assert.DoesNotContain(token, after, StringComparison.Ordinal);

        // An upload in progress shows in the gauge, and leaves it when the client goes away.
        var slow = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using (await Kura.StartRawUploadAsync(token, slow, 10_000_000, 1000))
        {
            await WaitForAsync("kura_uploads_in_flight", v => v >= 1);
        }

        await WaitForAsync("kura_uploads_in_flight", v => v == 0);
    }

    /// <summary>
    /// Instruments come from each host's own meter factory, and OpenTelemetry's provider collects only its own: nodes
    /// sharing a process (as the tests run them) never count each other's requests.
    /// </summary>
    [Fact]
    public async Task Each_node_counts_only_its_own_requests()
    {
        const string series = "kura_http_requests_total{method=\"GET\",route=\"/healthcheck\",code=\"200\"}";
        await using var other = await KuraHost.StartAsync();
        var before = Value(await ScrapeAsync(), series);
        for (var i = 0; i < 5; i++)
        {
            using var probe = await other.Http.GetAsync("healthcheck");
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }

        using var scrape = await other.Http.GetAsync("metrics");
        Assert.Equal(5, Value(await scrape.Content.ReadAsStringAsync(), series));
        Assert.Equal(before, Value(await ScrapeAsync(), series));
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await Kura.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task WaitForAsync(string series, Func<double, bool> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (condition(Value(await ScrapeAsync(), series)))
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{series} never reached the expected value");
    }

    private static double Value(string scrape, string series) => PrometheusText.Value(scrape, series);
}
