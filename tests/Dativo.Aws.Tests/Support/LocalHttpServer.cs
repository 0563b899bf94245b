using System.Net;
using System.Text;
using Dativo.Testing.Services;

namespace Dativo.Aws.Testing;

/// <summary>An HTTP server on 127.0.0.1 (free port) that hands every request to a handler; stopped on dispose.</summary>
internal sealed class LocalHttpServer : IDisposable
{
    internal sealed record Request(string Method, string RawUrl, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string Path => RawUrl.Split('?')[0];

        public string Query => RawUrl.Contains('?', StringComparison.Ordinal) ? RawUrl[(RawUrl.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";

        public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

        public string Text => Encoding.UTF8.GetString(Body);
    }

    internal sealed record Response(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null)
    {
        public static Response Json(int status, string body, string contentType = "application/json") =>
            new(status, body, new Dictionary<string, string> { ["Content-Type"] = contentType });
    }

    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Func<Request, Task<Response>> _handler;

    public LocalHttpServer(Func<Request, Task<Response>> handler)
    {
        _handler = handler;
        for (var tries = 0; ; tries++)
        {
            var port = ServiceProcesses.FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Endpoint = new Uri($"http://127.0.0.1:{port}/");
                break;
            }
            catch (HttpListenerException) when (tries < 5)
            {
                listener.Close();
            }
        }
        _loop = Task.Run(LoopAsync);
    }

    public Uri Endpoint { get; }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (InvalidOperationException) { return; }
            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(buffer);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var key in context.Request.Headers.AllKeys)
                if (key is not null) headers[key] = context.Request.Headers[key] ?? "";
            var request = new Request(context.Request.HttpMethod, context.Request.RawUrl ?? "/", headers, buffer.ToArray());
            Response response;
            try { response = await _handler(request); }
            catch (Exception e) { response = new Response(500, "{\"__type\":\"TestServerError\",\"message\":" + System.Text.Json.JsonSerializer.Serialize(e.Message) + "}"); }
            context.Response.StatusCode = response.Status;
            foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) context.Response.ContentType = value;
                else context.Response.Headers[name] = value;
            var bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (HttpListenerException) { }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _listener.Stop(); } catch (ObjectDisposedException) { }
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
