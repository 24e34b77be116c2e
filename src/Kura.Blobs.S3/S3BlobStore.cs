using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Kura.Domain.Blobs;

namespace Kura.Blobs.S3;

/// <summary>
/// Blobs as objects of one bucket of an S3-compatible store, through AWSSDK.S3.
/// <para>
/// A write fills a pooled part buffer of <see cref="S3Options.PartSize"/> bytes. If the stream ends within it, the
/// blob is one PutObject. Otherwise a multipart upload is fed from the stream: each part uploads while the next is
/// read into a second buffer, so at most two parts are in memory. CompleteMultipartUpload makes the blob visible
/// at once; any failure before it aborts the upload (and a crashed node's uploads are aborted by
/// <see cref="DeleteAbandonedUploadsAsync"/>). Ranged reads are passed to GetObject.
/// </para>
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly S3Options _options;
    private readonly AmazonS3Client _s3;
    private readonly int _partSize;
    private readonly OnceUntilDone _bucket;

    /// <summary>A store whose SDK makes its own HttpClients, with its default retries.</summary>
    public S3BlobStore(S3Options options)
        : this(options, null, null)
    {
    }

    /// <summary>
    /// A store whose SDK sends through <paramref name="http"/> (the host's client, with a timeout and a circuit
    /// breaker but no retry: the SDK knows which S3 calls are idempotent and replays its own content, and retries
    /// <paramref name="maxErrorRetry"/> times; null keeps its default).
    /// </summary>
    public S3BlobStore(S3Options options, Func<HttpClient>? http, int? maxErrorRetry)
    {
        _options = options;
        _partSize = checked((int)options.PartSize);
        _bucket = new OnceUntilDone(CreateBucketAsync);
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // S3-compatible stores often lack the newer flexible checksums; MD5/ETag and SigV4 remain.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (http is not null)
        {
            config.HttpClientFactory = new HostHttpClientFactory(http);
        }
        else
        {
            config.Timeout = TimeSpan.FromMinutes(10);
        }

        if (maxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
        }
        _s3 = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public string Bucket => _options.Bucket;

    /// <summary>The client, for tests that look at the store directly.</summary>
    public IAmazonS3 Client => _s3;

    public void Dispose() => _s3.Dispose();

    public async Task<long> PutAsync(string key, Stream content, CancellationToken ct)
    {
        BlobKeys.EnsureValid(key);
        await EnsureBucketAsync(ct);
        var buffer = ArrayPool<byte>.Shared.Rent(_partSize);
        int n;
        try
        {
            n = await content.ReadAtLeastAsync(buffer.AsMemory(0, _partSize), _partSize, throwOnEndOfStream: false, ct);
            if (n < _partSize)
            {
                await Translate(ct, () => _s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    InputStream = new MemoryStream(buffer, 0, n, writable: false),
                    UseChunkEncoding = false,
                    DisablePayloadSigning = _options.UnsignedPayload,
                }, ct));
                ArrayPool<byte>.Shared.Return(buffer);
                return n;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return await PutMultipartAsync(key, content, buffer, n, ct);
    }

    /// <summary>Uploads <paramref name="first"/> and the rest of <paramref name="content"/> as parts; owns <paramref name="first"/>.</summary>
    private async Task<long> PutMultipartAsync(string key, Stream content, byte[] first, int firstLength, CancellationToken ct)
    {
        string uploadId;
        try
        {
            uploadId = (await Translate(ct, () => _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key }, ct))).UploadId;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(first);
            throw;
        }

        var parts = new List<PartETag>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var buffer = first;
        var length = firstLength;
        byte[]? next = null;
        Task<UploadPartResponse>? uploading = null;
        long total = 0;
        try
        {
            while (length > 0)
            {
                var number = parts.Count + 1;
                uploading = Translate(ct, () => _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = number,
                    InputStream = new MemoryStream(buffer, 0, length, writable: false),
                    UseChunkEncoding = false,
                    DisablePayloadSigning = _options.UnsignedPayload,
                }, stop.Token));

                // Read the next part while this one uploads.
                next = ArrayPool<byte>.Shared.Rent(_partSize);
                var nextLength = await content.ReadAtLeastAsync(next.AsMemory(0, _partSize), _partSize, throwOnEndOfStream: false, ct);
                var done = await uploading;
                uploading = null;
                parts.Add(new PartETag(number, done.ETag));
                total += length;
                ArrayPool<byte>.Shared.Return(buffer);
                (buffer, length, next) = (next, nextLength, null);
            }

            await Translate(ct, () => _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId, PartETags = parts }, ct));
            return total;
        }
        catch
        {
            await stop.CancelAsync();
            if (uploading is not null)
            {
                try
                {
                    await uploading; // the SDK must be done with the buffer before it goes back to the pool
                }
                catch (Exception)
                {
                    // The upload's own failure or cancellation; the first failure is what the caller sees.
                }
            }

            await AbortAsync(key, uploadId);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (next is not null)
            {
                ArrayPool<byte>.Shared.Return(next);
            }
        }
    }

    private async Task AbortAsync(string key, string uploadId)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, CancellationToken.None);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException)
        {
            // Left for the start-up sweep.
        }
    }

    public async Task<Stream> OpenReadAsync(string key, Kura.Domain.Blobs.ByteRange? range, CancellationToken ct)
    {
        BlobKeys.EnsureValid(key);
        var request = new GetObjectRequest { BucketName = Bucket, Key = key };
        if (range is { } r)
        {
            request.ByteRange = new Amazon.S3.Model.ByteRange(r.From, r.To);
        }

        try
        {
            var response = await Translate(ct, () => _s3.GetObjectAsync(request, ct));
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new BlobNotFoundException(key);
        }
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        BlobKeys.EnsureValid(key);
        await EnsureBucketAsync(ct);
        try
        {
            await Translate(ct, () => _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, ct));
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    public async IAsyncEnumerable<BlobEntry> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await EnsureBucketAsync(ct);
        var request = new ListObjectsV2Request { BucketName = Bucket };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, ct);
            foreach (var entry in page.S3Objects ?? [])
            {
                yield return new BlobEntry(entry.Key, new DateTimeOffset(DateTime.SpecifyKind(entry.LastModified?.ToUniversalTime() ?? DateTime.UnixEpoch, DateTimeKind.Utc)));
            }

            if (page.IsTruncated != true)
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>Aborts the multipart uploads of keys not busy that were initiated before <paramref name="olderThan"/>; returns how many.</summary>
    public async Task<int> DeleteAbandonedUploadsAsync(IReadOnlySet<string> busyKeys, DateTimeOffset olderThan, CancellationToken ct)
    {
        await EnsureBucketAsync(ct);
        var abandoned = new List<MultipartUpload>();
        var request = new ListMultipartUploadsRequest { BucketName = Bucket };
        while (true)
        {
            var page = await _s3.ListMultipartUploadsAsync(request, ct);
            abandoned.AddRange((page.MultipartUploads ?? []).Where(u =>
                !busyKeys.Contains(u.Key) && u.Initiated is { } initiated && initiated.ToUniversalTime() < olderThan.UtcDateTime));
            if (page.IsTruncated != true)
            {
                break;
            }

            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }

        foreach (var upload in abandoned)
        {
            try
            {
                await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = upload.Key, UploadId = upload.UploadId }, ct);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                // Completed or aborted meanwhile.
            }
        }

        return abandoned.Count;
    }

    private Task EnsureBucketAsync(CancellationToken ct) => _bucket.RunAsync(ct);

    private async Task CreateBucketAsync(CancellationToken ct)
    {
        try
        {
            await Translate(ct, () => _s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket }, ct));
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.Conflict || ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>
    /// Maps a store without room (507, a quota) to <see cref="BlobStoreFullException"/>, and a store that cannot be
    /// reached (no connection, a timeout that is not the caller's cancellation, a 5xx after the SDK's retries) to
    /// <see cref="BlobStoreUnavailableException"/>.
    /// </summary>
    private static async Task<T> Translate<T>(CancellationToken ct, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.InsufficientStorage || ex.ErrorCode is "QuotaExceeded" or "EntityTooLarge")
        {
            throw new BlobStoreFullException($"The S3 store refused the write: {ex.ErrorCode}.", ex);
        }
        catch (Exception ex) when (Unreachable(ex, ct))
        {
            throw new BlobStoreUnavailableException($"The S3 store cannot be reached ({ex.GetType().Name}: {ex.Message}).", ex);
        }
    }

    private static bool Unreachable(Exception ex, CancellationToken ct) => ex switch
    {
        AmazonServiceException service when service.StatusCode == 0 => service.InnerException is { } inner && Unreachable(inner, ct),
        AmazonServiceException service => (int)service.StatusCode >= 500,
        HttpRequestException or IOException => true,
        OperationCanceledException => !ct.IsCancellationRequested,
        _ => false,
    };

    /// <summary>The host's HttpClient for the SDK, which keeps it for the store's life (the host's handler pools the connections).</summary>
    private sealed class HostHttpClientFactory(Func<HttpClient> http) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => http();

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }

    /// <summary>A GetObject body that disposes its response with it.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => response.ResponseStream.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            response.ResponseStream.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
