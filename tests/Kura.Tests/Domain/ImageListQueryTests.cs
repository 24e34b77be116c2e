using Kura.Domain.Images;

namespace Kura.Tests.Domain;

/// <summary>The typed list query refuses, as values, what no dialect may ask the catalogue for.</summary>
public sealed class ImageListQueryTests
{
    [Fact]
    public void Defaults_are_glances_newest_first()
    {
        var q = new ImageListQuery { Limit = 25 };
        Assert.Equal([new SortKey("created_at", true), new SortKey("id", true)], q.Sort);
        Assert.Equal("accepted", q.MemberStatus);
        Assert.Null(q.Visibility);
        Assert.Empty(q.Filters);
    }

    [Fact]
    public void Order_by_appends_the_missing_tie_breakers_in_the_given_direction()
    {
        Assert.Equal(
            [new SortKey("name", false), new SortKey("created_at", false), new SortKey("id", false)],
            ImageListQuery.OrderBy([new SortKey("name", false)], tiesDescending: false));
        Assert.Equal(
            [new SortKey("id", false), new SortKey("created_at", true)],
            ImageListQuery.OrderBy([new SortKey("id", false)], tiesDescending: true));
    }

    [Fact]
    public void Invalid_values_are_refused_when_the_query_is_built()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageListQuery { Limit = -1 });
        Assert.Throws<ArgumentException>(() => new ImageListQuery { Limit = 1, Visibility = "hidden" });
        Assert.Throws<ArgumentException>(() => new ImageListQuery { Limit = 1, MemberStatus = "maybe" });
        Assert.Throws<ArgumentException>(() => ImageListQuery.OrderBy([new SortKey("owner", true)], true));
        Assert.Throws<ArgumentException>(() => new ImageListQuery { Limit = 1, Sort = [new SortKey("name", true)] });
    }

    [Theory]
    [InlineData("owner", FilterOp.In, "a")]
    [InlineData("name", FilterOp.Gt, "a")]
    [InlineData("created_at", FilterOp.In, "2026-01-01")]
    [InlineData("nonsense", FilterOp.Eq, "a")]
    [InlineData("size", FilterOp.Eq, "12")]
    [InlineData("protected", FilterOp.Eq, "true")]
    public void Filters_accept_only_the_operators_and_values_their_column_takes(string column, FilterOp op, string value) =>
        Assert.Throws<ArgumentException>(() => ImageFilter.On(column, op, value));

    [Fact]
    public void Well_typed_filters_are_built()
    {
        Assert.Equal(FilterOp.In, ImageFilter.On("name", FilterOp.In, "a", "b").Op);
        Assert.Equal(12L, ImageFilter.On("size", FilterOp.Gte, 12L).Values[0]);
        Assert.True(ImageFilter.Property("os_type", "linux").IsProperty);
        Assert.Throws<ArgumentException>(() => ImageFilter.On("created_at", FilterOp.Gt, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(9))));
        Assert.Equal(FilterOp.Gt, ImageFilter.On("created_at", FilterOp.Gt, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)).Op);
    }
}
