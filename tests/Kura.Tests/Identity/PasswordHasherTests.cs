using Kura.Identity;

namespace Kura.Tests.Identity;

public sealed class PasswordHasherTests
{
    [Fact]
    public void Verifies_the_right_password_only()
    {
        var hash = new PasswordHasher(1000).Hash("correct horse");
        Assert.True(PasswordHasher.Verify("correct horse", hash));
        Assert.False(PasswordHasher.Verify("correct horsE", hash));
        Assert.False(PasswordHasher.Verify(string.Empty, hash));
    }

    [Fact]
    public void Each_hash_has_its_own_salt_and_records_its_rounds()
    {
        var hasher = new PasswordHasher(1234);
        var a = hasher.Hash("same");
        var b = hasher.Hash("same");
        Assert.NotEqual(a, b);
        Assert.StartsWith("pbkdf2-sha512$1234$", a);
        Assert.DoesNotContain("same", a);
    }

    [Fact]
    public void The_default_is_a_slow_kdf()
    {
        Assert.True(new IdentityOptions().PasswordIterations >= 210_000);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("pbkdf2-sha512$0$AA==$AA==")]
    [InlineData("pbkdf2-sha512$x$AA==$AA==")]
    [InlineData("pbkdf2-sha512$10$!!$AA==")]
    [InlineData("md5$10$AA==$AA==")]
    public void Malformed_stored_hashes_never_verify(string? stored)
    {
        Assert.False(PasswordHasher.Verify("anything", stored));
    }
}
