using Kura.Domain.Blobs;

namespace Kura.Tests.Domain;

public sealed class HashingReadStreamTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1_000_003)]
    public async Task Hashes_and_counts_what_passes_through(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        using var hashing = new HashingReadStream(new MemoryStream(data), long.MaxValue);
        var copy = new MemoryStream();
        await hashing.CopyToAsync(copy, 4096);
        Assert.Equal(data, copy.ToArray());
        Assert.Equal(size, hashing.BytesRead);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), hashing.Md5Hex);
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(data)), hashing.Sha512Hex);
    }

    [Fact]
    public async Task Hashes_are_not_final_before_the_end_of_the_stream()
    {
        using var hashing = new HashingReadStream(new MemoryStream(new byte[100]), long.MaxValue);
        var buffer = new byte[10];
        _ = await hashing.ReadAsync(buffer);
        Assert.Null(hashing.Md5Hex);
        Assert.Null(hashing.Sha512Hex);
    }

    [Fact]
    public async Task Exceeding_the_cap_throws_while_reading()
    {
        using var hashing = new HashingReadStream(new MemoryStream(new byte[1001]), 1000);
        var ex = await Assert.ThrowsAsync<ImageTooLargeException>(() => hashing.CopyToAsync(Stream.Null, 100));
        Assert.Equal(1000, ex.Cap);
    }
}
