using Kura.Blobs.Swift;
using Kura.Domain.Blobs;
using Kura.Server.Outbound;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Tests.Reliability;

/// <summary>
/// The swift outbound pipeline (<see cref="OutboundHttp"/>) under a <see cref="SwiftBlobStore"/> on the real Swift,
/// with a handler beneath the pipeline that breaks the first segment PUT: once part of the segment was sent, the
/// PUT is never sent again (its source is the client's upload, read once) and the write fails with nothing left in
/// Swift; broken before a byte of it went out, the same PUT is retried and the write succeeds.
/// </summary>
public sealed class SwiftStreamedPutTests : IAsyncLifetime
{
    private readonly string _container = SwiftServer.NewContainerName();
    private ServiceProvider? _services;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await SwiftServer.DropAsync(_container);
    }

    private SwiftBlobStore Store(BreakFirstSegment fault)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resilience:Swift:RetryDelay"] = "00:00:00.010",
        }).Build());
        services.AddLogging();
        services.AddOutboundHttpClient(OutboundBackend.Swift).AddHttpMessageHandler(() => fault);
        _services = services.BuildServiceProvider();
        return new SwiftBlobStore(SwiftServer.SwiftOptions(_container), _services.GetRequiredService<IHttpClientFactory>().CreateClient(OutboundBackend.Swift.Name));
    }

    [Fact]
    public async Task A_segment_PUT_that_sent_part_of_its_body_is_never_retried()
    {
        var fault = new BreakFirstSegment(afterSending: true);
        using var store = Store(fault);
        var data = RandomNumberGenerator.GetBytes(3 << 20);

        await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.PutAsync("image-a", new MemoryStream(data), CancellationToken.None));
        Assert.Equal(1, fault.SegmentAttempts);
        Assert.Empty(await SwiftServer.ListAsync(store.SegmentContainer));
        Assert.Empty(await SwiftServer.ListAsync(store.Container));
    }

    [Fact]
    public async Task A_segment_PUT_broken_before_its_body_went_out_is_retried_and_stored_once()
    {
        var fault = new BreakFirstSegment(afterSending: false);
        using var store = Store(fault);
        var data = RandomNumberGenerator.GetBytes(3 << 20);

        Assert.Equal(data.Length, await store.PutAsync("image-b", new MemoryStream(data), CancellationToken.None));
        Assert.Equal(2, fault.SegmentAttempts);
        Assert.Single(await SwiftServer.ListAsync(store.SegmentContainer));
        await using var read = await store.OpenReadAsync("image-b", null, CancellationToken.None);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(data, copy.ToArray());
    }

    [Theory]
    [InlineData("GET", null, true)]
    [InlineData("HEAD", null, true)]
    [InlineData("DELETE", null, true)]
    [InlineData("OPTIONS", null, true)]
    [InlineData("PUT", "bytes", true)]
    [InlineData("PUT", "stream", false)]
    [InlineData("PUT", "streamed-unsent", true)]
    [InlineData("PUT", "streamed-sent", false)]
    [InlineData("POST", "bytes", false)]
    [InlineData("PATCH", "bytes", false)]
    public void Only_requests_that_cannot_write_twice_are_repeatable(string method, string? body, bool repeatable)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "http://swift.example/v1/AUTH_a/c/o")
        {
            Content = body switch
            {
                "bytes" => new ByteArrayContent([1, 2, 3]),
                "stream" => new StreamContent(new MemoryStream([1, 2, 3])),
                "streamed-unsent" => new Streamed(started: false),
                "streamed-sent" => new Streamed(started: true),
                _ => null,
            },
        };
        Assert.Equal(repeatable, OutboundHttp.Repeatable(request, OutboundBackend.Swift));
    }

    [Fact]
    public void A_token_POST_is_repeatable_for_keystone_and_nothing_is_retried_by_the_S3_pipeline()
    {
        using var token = new HttpRequestMessage(HttpMethod.Post, "http://keystone.example/v3/auth/tokens?nocatalog") { Content = new ByteArrayContent([1]) };
        Assert.True(OutboundHttp.Repeatable(token, OutboundBackend.Keystone));
        using var other = new HttpRequestMessage(HttpMethod.Post, "http://keystone.example/v3/users") { Content = new ByteArrayContent([1]) };
        Assert.False(OutboundHttp.Repeatable(other, OutboundBackend.Keystone));
        Assert.True(OutboundBackend.S3.ClientRetries);
    }

    /// <summary>A streamed body's state, as <see cref="OutboundHttp.Repeatable"/> reads it.</summary>
    private sealed class Streamed(bool started) : HttpContent, IStreamedBody
    {
        public bool Started => started;

        public bool SourceFailed => false;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => Task.CompletedTask;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>Beneath the pipeline, like a connection that breaks: fails the first segment PUT, after sending its body or before.</summary>
    private sealed class BreakFirstSegment(bool afterSending) : DelegatingHandler
    {
        private int _attempts;

        public int SegmentAttempts => _attempts;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Put && request.RequestUri!.AbsolutePath.Contains("_segments/", StringComparison.Ordinal)
                && Interlocked.Increment(ref _attempts) == 1)
            {
                if (afterSending)
                {
                    await request.Content!.CopyToAsync(Stream.Null, cancellationToken);
                }

                throw new HttpRequestException("The test broke the connection.", new IOException("Connection reset by peer"));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
