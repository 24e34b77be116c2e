using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kura.Tests.Support;

/// <summary>
/// An OTLP/HTTP trace receiver on a loopback Kestrel: takes what an exporter POSTs to <c>/v1/traces</c>
/// (protobuf <c>ExportTraceServiceRequest</c>), reads the spans out of the wire format and keeps them. Only the
/// fields the tests look at are read; every other field is skipped by its wire type, as protobuf readers do.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public string Endpoint { get; private set; } = "";

    public IReadOnlyCollection<OtlpSpan> Spans => _spans;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpContext ctx) =>
        {
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            try
            {
                foreach (var span in ReadRequest(body.ToArray()))
                {
                    receiver._spans.Enqueue(span);
                }
            }
            catch (Exception ex)
            {
                receiver._errors.Enqueue(ex.Message);
                ctx.Response.StatusCode = 400;
                return;
            }

            ctx.Response.ContentType = "application/x-protobuf";
            ctx.Response.StatusCode = 200;
        });
        await app.StartAsync();
        receiver.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    /// <summary>The spans of <paramref name="traceId"/> once <paramref name="done"/> holds for them (within 20 s).</summary>
    public async Task<List<OtlpSpan>> TraceAsync(string traceId, Func<List<OtlpSpan>, bool> done)
    {
        for (var i = 0; i < 200; i++)
        {
            var trace = _spans.Where(s => s.TraceId == traceId).ToList();
            if (done(trace))
            {
                return trace;
            }

            await Task.Delay(100);
        }

        var seen = _spans.Where(s => s.TraceId == traceId).Select(s => $"{s.Scope}: {s.Name}");
        Assert.Fail($"trace {traceId} never completed; received: {string.Join(", ", seen)}; {_spans.Count} spans in all ({string.Join(", ", _spans.Take(30).Select(s => $"{s.Scope}:{s.Name}:{s.Kind}:{s.TraceId[..6]}<{s.ParentSpanId}"))}); errors: {string.Join("; ", _errors)}");
        return [];
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    private static IEnumerable<OtlpSpan> ReadRequest(byte[] message)
    {
        foreach (var resourceSpans in Fields(message).Where(f => f.Number == 1))
        {
            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                // ScopeSpans { InstrumentationScope scope = 1 (name = 1); repeated Span spans = 2; }
                var scope = "";
                foreach (var field in Fields(scopeSpans.Bytes))
                {
                    if (field.Number == 1)
                    {
                        scope = Fields(field.Bytes).Where(f => f.Number == 1).Select(f => Encoding.UTF8.GetString(f.Bytes)).FirstOrDefault() ?? "";
                    }
                    else if (field.Number == 2)
                    {
                        yield return ReadSpan(scope, field.Bytes);
                    }
                }
            }
        }
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6;
    //        repeated KeyValue attributes = 9; repeated Event events = 11 (name = 2, attributes = 3); }
    private static OtlpSpan ReadSpan(string scope, byte[] message)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        var attributes = new Dictionary<string, string>();
        var events = new List<(string Name, Dictionary<string, string> Attributes)>();
        foreach (var field in Fields(message))
        {
            switch (field.Number)
            {
                case 1: traceId = Convert.ToHexStringLower(field.Bytes); break;
                case 2: spanId = Convert.ToHexStringLower(field.Bytes); break;
                case 4: parent = Convert.ToHexStringLower(field.Bytes); break;
                case 5: name = Encoding.UTF8.GetString(field.Bytes); break;
                case 6: kind = (int)field.Varint; break;
                case 9: AddAttribute(attributes, field.Bytes); break;
                case 11:
                    var eventName = "";
                    var eventAttributes = new Dictionary<string, string>();
                    foreach (var e in Fields(field.Bytes))
                    {
                        if (e.Number == 2)
                        {
                            eventName = Encoding.UTF8.GetString(e.Bytes);
                        }
                        else if (e.Number == 3)
                        {
                            AddAttribute(eventAttributes, e.Bytes);
                        }
                    }

                    events.Add((eventName, eventAttributes));
                    break;
            }
        }

        return new OtlpSpan(scope, traceId, spanId, parent, name, kind, attributes, events);
    }

    // KeyValue { string key = 1; AnyValue value = 2 { string_value = 1; bool_value = 2; int_value = 3; double_value = 4; } }
    private static void AddAttribute(Dictionary<string, string> into, byte[] keyValue)
    {
        string key = "", value = "";
        foreach (var field in Fields(keyValue))
        {
            if (field.Number == 1)
            {
                key = Encoding.UTF8.GetString(field.Bytes);
            }
            else if (field.Number == 2)
            {
                foreach (var any in Fields(field.Bytes))
                {
                    value = any.Number switch
                    {
                        1 => Encoding.UTF8.GetString(any.Bytes),
                        2 => (any.Varint != 0).ToString(),
                        3 => ((long)any.Varint).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        4 => BitConverter.Int64BitsToDouble((long)any.Varint).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        _ => value,
                    };
                }
            }
        }

        into[key] = value;
    }

    private readonly record struct Field(int Number, ulong Varint, byte[] Bytes);

    /// <summary>The fields of one message: varints (wire type 0), fixed 64 and 32 bits (1, 5) in <see cref="Field.Varint"/>, length-delimited (2) in <see cref="Field.Bytes"/>.</summary>
    private static List<Field> Fields(byte[] message)
    {
        var fields = new List<Field>();
        var at = 0;
        while (at < message.Length)
        {
            var tag = ReadVarint(message, ref at);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    fields.Add(new Field(number, ReadVarint(message, ref at), []));
                    break;
                case 1:
                    fields.Add(new Field(number, BitConverter.ToUInt64(message, at), []));
                    at += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref at);
                    fields.Add(new Field(number, 0, message[at..(at + length)]));
                    at += length;
                    break;
                case 5:
                    fields.Add(new Field(number, BitConverter.ToUInt32(message, at), []));
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {tag & 7} at byte {at}");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] message, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}

/// <summary>One received span: <see cref="Kind"/> is OTLP's (1 internal, 2 server, 3 client).</summary>
public sealed record OtlpSpan(
    string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<(string Name, Dictionary<string, string> Attributes)> Events);
