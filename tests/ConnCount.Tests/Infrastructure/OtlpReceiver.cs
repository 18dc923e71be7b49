using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace ConnCount.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP endpoint that accepts every export (empty protobuf answer) and keeps the raw payloads by
/// path. Strings in protobuf are plain UTF-8 bytes, so a secret in a log record shows in the payload as is.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentQueue<(string Path, string Payload)> _payloads = new();
    private readonly Task _loop;

    private OtlpReceiver(HttpListener listener, Uri endpoint)
    {
        _listener = listener;
        Endpoint = endpoint;
        _loop = LoopAsync();
    }

    public Uri Endpoint { get; }

    public static OtlpReceiver Start()
    {
        var port = FreePort.Next();
        var endpoint = new Uri($"http://127.0.0.1:{port}/");
        var listener = new HttpListener();
        listener.Prefixes.Add(endpoint.ToString());
        listener.Start();
        return new OtlpReceiver(listener, endpoint);
    }

    public IReadOnlyCollection<(string Path, string Payload)> All() => _payloads;

    public string Received(string path) =>
        string.Join('\n', _payloads.Where(p => p.Path == path).Select(p => p.Payload));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop;
        _listener.Close();
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                // Latin-1 maps every byte to one char, so UTF-8 text inside the protobuf reads back intact.
                _payloads.Enqueue((context.Request.Url!.AbsolutePath, Encoding.Latin1.GetString(body.ToArray())));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                // The receiver was stopped while an export was in flight: the test has what it waited for.
                return;
            }
        }
    }
}
