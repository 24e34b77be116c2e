namespace Kura.Tests.Formats;

/// <summary>Format inspection on the upload path: what is refused leaves a queued image and no data.</summary>
public sealed class FormatUploadTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>, IDisposable
{
    private readonly QemuImg _qemu = new();

    private KuraHost Kura => fixture.Host;

    public void Dispose() => _qemu.Dispose();

    private async Task<(HttpResponseMessage Response, string Id)> UploadAsync(string path, string diskFormat, string container = "bare")
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token, new JsonObject { ["disk_format"] = diskFormat, ["container_format"] = container }))["id"]!.GetValue<string>();
        var response = await Kura.UploadAsync(token, id, new StreamContent(File.OpenRead(path)));
        return (response, id);
    }

    private async Task<JsonNode> ShowAsync(string id) => await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", await Kura.AdminTokenAsync(), null);

    private void AssertNoData(string id)
    {
        Assert.False(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", id)));
        Assert.Empty(Directory.GetFiles(Path.Combine(Kura.DataDirectory, "blobs", "tmp")));
    }

    [Theory]
    [InlineData("ok.qcow2", "qcow2", "qcow2", 64L << 20)]
    [InlineData("ok.vmdk", "vmdk", "vmdk", 32L << 20)]
    [InlineData("ok.vhd", "vpc", "vhd", 20L << 20)]
    [InlineData("ok.vhdx", "vhdx", "vhdx", 48L << 20)]
    [InlineData("ok.vdi", "vdi", "vdi", 24L << 20)]
    public async Task A_matching_image_becomes_active_with_its_virtual_size(string name, string qemuFormat, string diskFormat, long virtualSize)
    {
        var path = _qemu.Create(name, $"{virtualSize >> 20}M", "-f", qemuFormat);
        var (response, id) = await UploadAsync(path, diskFormat);
        using (response)
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var image = await ShowAsync(id);
        Assert.Equal("active", image["status"]!.GetValue<string>());
        Assert.Equal(new FileInfo(path).Length, image["size"]!.GetValue<long>());
        Assert.Equal(diskFormat == "vhd" ? 20_971_520 + 22_528 : virtualSize, image["virtual_size"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_qcow2_with_a_backing_file_is_refused()
    {
        _qemu.Create("base.raw", "1M", "-f", "raw");
        var path = _qemu.Create("child.qcow2", null, "-f", "qcow2", "-b", "base.raw", "-F", "raw");
        var (response, id) = await UploadAsync(path, "qcow2");
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("backing file", await response.Content.ReadAsStringAsync());
        }

        var image = await ShowAsync(id);
        Assert.Equal("queued", image["status"]!.GetValue<string>());
        Assert.Null(image["size"]);
        AssertNoData(id);
    }

    [Theory]
    [InlineData("qcow2", "raw")]
    [InlineData("raw", "qcow2")]
    [InlineData("qcow2", "vmdk")]
    [InlineData("vdi", "iso")]
    public async Task Content_that_is_not_the_declared_format_is_refused(string actual, string declared)
    {
        var path = _qemu.Create("m." + actual, "4M", "-f", actual);
        var (response, id) = await UploadAsync(path, declared);
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal("queued", (await ShowAsync(id))["status"]!.GetValue<string>());
        AssertNoData(id);
    }

    public static TheoryData<string> FuzzFindings() =>
        [.. Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "fuzz", "findings", "inspect")).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(FuzzFindings))]
    public async Task What_the_inspector_fuzzer_found_is_an_answer_over_http(string finding)
    {
        // Each file is named FORMAT-what (fuzz/findings/inspect) and is uploaded as that disk format.
        var (response, id) = await UploadAsync(Path.Combine(AppContext.BaseDirectory, "fuzz", "findings", "inspect", finding), finding.Split('-')[0]);
        using (response)
        {
            Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.BadRequest, $"{finding}: {(int)response.StatusCode}");
            var image = await ShowAsync(id);
            Assert.Equal(response.StatusCode == HttpStatusCode.NoContent ? "active" : "queued", image["status"]!.GetValue<string>());
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                AssertNoData(id);
            }
            else
            {
                Assert.True(image["virtual_size"] is null || image["virtual_size"]!.GetValue<long>() >= 0);
            }
        }
    }

    [Fact]
    public async Task A_vmdk_that_points_at_other_files_is_refused()
    {
        var path = _qemu.Create("flat.vmdk", "1M", "-f", "vmdk", "-o", "subformat=monolithicFlat");
        var (response, id) = await UploadAsync(path, "vmdk");
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        AssertNoData(id);
    }

    [Fact]
    public async Task Containers_other_than_bare_are_stored_as_given()
    {
        var path = _qemu.Create("inside.qcow2", "4M", "-f", "qcow2");
        var (response, id) = await UploadAsync(path, "raw", container: "ova");
        using (response)
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Null((await ShowAsync(id))["virtual_size"]);
    }
}
