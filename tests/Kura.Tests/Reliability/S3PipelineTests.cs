namespace Kura.Tests.Reliability;

/// <summary>
/// A Kura on S3 (Swift's s3api) sends the AWS SDK's requests through the <c>s3</c> outbound pipeline (plugged in with
/// <c>AmazonS3Config.HttpClientFactory</c>): Polly measures them as <c>s3-outbound</c>, and an image goes up and down
/// intact.
/// </summary>
public sealed class S3PipelineTests
{
    [Fact]
    public async Task The_sdk_s_requests_go_through_the_s3_pipeline()
    {
        var bucket = SwiftServer.NewContainerName();
        try
        {
            using var polly = new PollyMeter();
            await using var kura = await KuraHost.StartAsync(null, [.. SwiftServer.S3Args(bucket), "--Resilience:S3:MaxRetries=1"]);
            var token = await kura.AdminTokenAsync();
            var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
            var data = RandomNumberGenerator.GetBytes((int)SwiftServer.ChunkSize + 4321); // a multipart upload of two parts
            await kura.UploadOkAsync(token, id, data);
            await kura.AssertDataAsync(token, id, data);
            Assert.True(polly.Measured("resilience.polly.pipeline.duration", "s3-outbound"), "no pipeline duration for s3; seen: " + polly.Describe());
        }
        finally
        {
            await SwiftServer.DropAsync(bucket);
        }
    }
}
