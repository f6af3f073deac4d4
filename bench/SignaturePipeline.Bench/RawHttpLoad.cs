using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace SignaturePipeline.Bench;

/// <summary>
/// A load generator in the manner of wrk: each client is one keep-alive HTTP/1.1 connection that sends a prepared
/// request and reads the answer's status and body length, nothing more. It shares the two cores with the host and
/// Azurite, so it should take as little of them as it can: HttpClient's handler pipeline, headers collections and
/// response objects cost about a fifth of the host process's CPU in the intake phase, measured with perf. The host
/// under test still parses every request in full with Kestrel.
/// </summary>
public static class RawHttpLoad
{
    /// <summary>The whole request, headers and body, ready to write to a socket.</summary>
    public static byte[] Post(Uri baseAddress, string path, string contentType, byte[] body)
    {
        var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"POST {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n"));
        return [.. head, .. body];
    }

    public static byte[] Get(Uri baseAddress, string path) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"GET {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\n\r\n"));

    /// <summary>
    /// Sends <paramref name="request"/> over and over from <paramref name="concurrency"/> connections until
    /// <paramref name="duration"/> has passed; returns each answer's latency in milliseconds.
    /// </summary>
    public static async Task<double[]> RunForAsync(Uri baseAddress, byte[] request, int concurrency, TimeSpan duration, int expectedStatus)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var failures = 0;
        var perClient = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var latencies = new List<double>(64 * 1024);
            using var connection = await Connection.OpenAsync(baseAddress);
            while (Stopwatch.GetTimestamp() < until)
            {
                var started = Stopwatch.GetTimestamp();
                var (status, keepAlive) = await connection.SendAsync(request);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (status != expectedStatus) Interlocked.Increment(ref failures);
                if (!keepAlive) throw new IOException("The server closed a keep-alive connection.");
            }
            return latencies;
        }));
        if (failures > 0) throw new InvalidOperationException($"{failures} requests were not answered {expectedStatus}.");
        return [.. perClient.SelectMany(l => l)];
    }

    /// <summary>
    /// Sends every request once from <paramref name="concurrency"/> connections and returns each one's latency in
    /// milliseconds, from the first byte written to the last byte of the answer read.
    /// Throws when any answer's status is not <paramref name="expectedStatus"/>.
    /// </summary>
    public static async Task<double[]> RunAsync(Uri baseAddress, byte[][] requests, int concurrency, int expectedStatus)
    {
        var latencies = new double[requests.Length];
        var next = -1;
        var failures = 0;
        var unexpected = 0;
        var clients = Enumerable.Range(0, Math.Min(concurrency, requests.Length)).Select(async _ =>
        {
            Connection? connection = null;
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < requests.Length)
                {
                    var started = Stopwatch.GetTimestamp();
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            connection ??= await Connection.OpenAsync(baseAddress);
                            var (status, keepAlive) = await connection.SendAsync(requests[i]);
                            if (status != expectedStatus && Interlocked.Increment(ref unexpected) == 1)
                                Console.Error.WriteLine($"unexpected status {status} for request {i}");
                            if (status != expectedStatus) Interlocked.Increment(ref failures);
                            if (!keepAlive) { connection.Dispose(); connection = null; }
                            break;
                        }
                        catch (Exception e) when (e is SocketException or IOException && attempt < 3)
                        {
                            // A connection the server closed between two requests: open another and send again.
                            connection?.Dispose();
                            connection = null;
                        }
                    }
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
            finally
            {
                connection?.Dispose();
            }
        }).ToList();
        await Task.WhenAll(clients);
        if (failures > 0) throw new InvalidOperationException($"{failures} requests were not answered {expectedStatus}.");
        return latencies;
    }

    private sealed class Connection(Socket socket) : IDisposable
    {
        private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
        private static readonly byte[] LineEnd = "\r\n"u8.ToArray();
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public static async Task<Connection> OpenAsync(Uri address)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address.Host, address.Port);
                return new Connection(socket);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public async Task<(int Status, bool KeepAlive)> SendAsync(byte[] request)
        {
            _start = _end = 0;
            for (var sent = 0; sent < request.Length;)
                sent += await socket.SendAsync(request.AsMemory(sent), SocketFlags.None);

            var headerEnd = await ReadUntilAsync(HeaderEnd);
            var head = Encoding.ASCII.GetString(_buffer, _start, headerEnd - _start);
            _start = headerEnd + 4;
            var lines = head.Split("\r\n");
            var status = int.Parse(lines[0].AsSpan(9, 3), CultureInfo.InvariantCulture);
            long? length = null;
            var chunked = false;
            var keepAlive = true;
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0) continue;
                var name = line.AsSpan(0, colon);
                var value = line.AsSpan(colon + 1).Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) length = long.Parse(value, CultureInfo.InvariantCulture);
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
                else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) keepAlive = !value.Equals("close", StringComparison.OrdinalIgnoreCase);
            }
            if (chunked)
            {
                while (true)
                {
                    var lineEnd = await ReadUntilAsync(LineEnd);
                    var size = int.Parse(Encoding.ASCII.GetString(_buffer, _start, lineEnd - _start).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    _start = lineEnd + 2;
                    await SkipAsync(size + 2);
                    if (size == 0) break;
                }
            }
            else if (length is { } n) await SkipAsync(n);
            else keepAlive = false; // the body runs to the end of the connection
            return (status, keepAlive);
        }

        /// <summary>Reads until <paramref name="marker"/> is buffered; returns its offset in the buffer.</summary>
        private async Task<int> ReadUntilAsync(ReadOnlyMemory<byte> marker)
        {
            while (true)
            {
                var at = _buffer.AsSpan(_start, _end - _start).IndexOf(marker.Span);
                if (at >= 0) return _start + at;
                await FillAsync();
            }
        }

        private async Task SkipAsync(long count)
        {
            while (count > 0)
            {
                if (_start == _end) await FillAsync();
                var take = (int)Math.Min(count, _end - _start);
                _start += take;
                count -= take;
            }
        }

        private async Task FillAsync()
        {
            if (_start > 0 && _start == _end) _start = _end = 0;
            if (_end == _buffer.Length)
            {
                if (_start == 0) throw new IOException("An answer's headers are larger than the buffer.");
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
            if (read == 0) throw new IOException("The server closed the connection.");
            _end += read;
        }

        public void Dispose() => socket.Dispose();
    }
}
