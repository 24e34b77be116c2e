using Kura.Api.Glance;
using Kura.Domain;
using Kura.Domain.Images;

namespace Kura.Tests.Api;

/// <summary>Glance's list query string read into the domain's typed query (the limit's cap is the service's: ListLimitTests).</summary>
public sealed class GlanceListQueryTests
{
    private static ImageListQuery Parse(params (string Key, string Value)[] parameters) =>
        GlanceListQuery.Parse(parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)), 25);

    [Fact]
    public void Defaults_are_glances()
    {
        var q = Parse();
        Assert.Equal(25, q.Limit);
        Assert.Null(q.Marker);
        Assert.Equal([new SortKey("created_at", true), new SortKey("id", true)], q.Sort);
        Assert.False(q.OsHidden);
        Assert.Equal("accepted", q.MemberStatus);
        Assert.Null(q.Visibility);
    }

    [Fact]
    public void Limit_is_read_as_given_and_capped_by_the_service()
    {
        Assert.Equal(5000, Parse(("limit", "5000")).Limit);
        Assert.Equal(0, Parse(("limit", "0")).Limit);
    }

    [Fact]
    public void The_first_sort_is_read_and_a_later_one_ignored_as_in_glance()
    {
        Assert.Equal(ErrorKind.BadRequest, Assert.Throws<KuraException>(() => Parse(("sort", "name:sideways"), ("sort", "size:desc"))).Kind);
        Assert.Equal(new SortKey("name", false), Parse(("sort", "name:asc"), ("sort", "size:sideways")).Sort[0]);
    }

    [Fact]
    public void Tie_breakers_take_the_single_given_direction()
    {
        Assert.Equal(
            [new SortKey("name", false), new SortKey("created_at", false), new SortKey("id", false)],
            Parse(("sort_key", "name"), ("sort_dir", "asc")).Sort);
        Assert.Equal(
            [new SortKey("name", false), new SortKey("size", true), new SortKey("created_at", true), new SortKey("id", true)],
            Parse(("sort", "name:asc,size:desc")).Sort);
        Assert.Equal(
            [new SortKey("name", true), new SortKey("created_at", true), new SortKey("id", true)],
            Parse(("sort", "name")).Sort);
        Assert.Equal(
            [new SortKey("id", false), new SortKey("created_at", false)],
            Parse(("sort_key", "id"), ("sort_dir", "asc")).Sort);
    }

    [Fact]
    public void In_operator_splits_on_commas_outside_quotes()
    {
        var filter = Assert.Single(Parse(("name", "in:a,\"b,c\",d")).Filters);
        Assert.Equal(FilterOp.In, filter.Op);
        Assert.Equal(["a", "b,c", "d"], filter.Values.Cast<string>());
    }

    [Fact]
    public void Unknown_keys_filter_on_extra_properties_and_tags_accumulate()
    {
        var q = Parse(("os_type", "linux"), ("tag", "a"), ("tag", "b"));
        var filter = Assert.Single(q.Filters);
        Assert.True(filter.IsProperty);
        Assert.Equal("os_type", filter.Column);
        Assert.Equal(["a", "b"], q.Tags);
    }

    [Fact]
    public void Time_filters_take_operators_and_plain_timestamps()
    {
        var gt = Assert.Single(Parse(("created_at", "gt:2026-01-02T03:04:05Z")).Filters);
        Assert.Equal(FilterOp.Gt, gt.Op);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), gt.Values[0]);
        var plain = Assert.Single(Parse(("updated_at", "2026-01-02T03:04:05Z")).Filters);
        Assert.Equal(FilterOp.Eq, plain.Op);
    }

    [Theory]
    [InlineData("limit", "-1")]
    [InlineData("limit", "1.5")]
    [InlineData("sort_key", "owner")]
    [InlineData("sort_dir", "up")]
    [InlineData("sort", "name:asc:x")]
    [InlineData("name", "gt:x")]
    [InlineData("status", "in:\"open")]
    [InlineData("visibility", "hidden")]
    [InlineData("os_hidden", "maybe")]
    [InlineData("size_max", "x")]
    [InlineData("created_at", "lt:not-a-time")]
    [InlineData("created_at", "in:2026-01-01T00:00:00Z")]
    public void Bad_values_are_400(string key, string value)
    {
        var ex = Assert.Throws<KuraException>(() => Parse((key, value)));
        Assert.Equal(ErrorKind.BadRequest, ex.Kind);
    }

    [Fact]
    public void Sort_dir_count_must_match_sort_keys()
    {
        Assert.Throws<KuraException>(() => Parse(("sort_key", "name"), ("sort_key", "id"), ("sort_key", "size"), ("sort_dir", "asc"), ("sort_dir", "desc")));
        Assert.Throws<KuraException>(() => Parse(("sort", "name"), ("sort_dir", "asc")));
    }

    [Fact]
    public void Booleans_are_accepted_in_any_case_because_openstacksdk_sends_True()
    {
        Assert.True(Parse(("os_hidden", "True")).OsHidden);
        Assert.Equal(true, Parse(("protected", "True")).Filters[0].Values[0]);
    }
}
