using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SignaturePipeline.LocalHost.Azurite;

namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A real SMTP server on loopback: npm maildev (pinned in package.json), with SMTP AUTH switched on so the
/// transport's credentials are exercised. Messages are read back through its REST API, <c>GET /api/email</c>.
/// </summary>
public sealed class MailDevServer : IAsyncDisposable
{
    public const string Username = "maildev-user";
    public const string Password = "maildev-password";

    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private MailDevServer(Process process, int smtpPort, int webPort, string directory)
    {
        _process = process;
        SmtpPort = smtpPort;
        WebPort = webPort;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int SmtpPort { get; }
    public int WebPort { get; }

    public static async Task<MailDevServer> StartAsync(string root)
    {
        var script = Path.Combine(root, "node_modules", "maildev", "dist", "bin", "maildev.js");
        if (!File.Exists(script)) await NpmCiAsync(root);

        var smtpPort = AzuriteProcess.FreePort();
        var webPort = AzuriteProcess.FreePort();
        var directory = Path.Combine(Path.GetTempPath(), "maildev-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("node") { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            script, "--ip", "127.0.0.1", "--web-ip", "127.0.0.1",
            "-s", smtpPort.ToString(CultureInfo.InvariantCulture), "-w", webPort.ToString(CultureInfo.InvariantCulture),
            "--incoming-user", Username, "--incoming-pass", Password, "--mail-directory", directory, "--silent",
        })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for maildev.");
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var server = new MailDevServer(process, smtpPort, webPort, directory);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(AzuriteProcess.IsListening(smtpPort) && AzuriteProcess.IsListening(webPort)))
        {
            if (process.HasExited) throw new InvalidOperationException($"maildev exited with code {process.ExitCode}: {errors}");
            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"maildev did not open ports {smtpPort}/{webPort} within 30 s. {errors}");
            }
            await Task.Delay(100);
        }
        return server;
    }

    /// <summary>Every message maildev holds, as its REST API describes them (to, subject, text, html, headers).</summary>
    public async Task<IReadOnlyList<JsonElement>> EmailsAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/api/email", UriKind.Relative)));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static async Task NpmCiAsync(string root)
    {
        var npm = new ProcessStartInfo("npm") { WorkingDirectory = root, UseShellExecute = false };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund" }) npm.ArgumentList.Add(arg);
        using var process = Process.Start(npm) ?? throw new InvalidOperationException("Could not run npm.");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"'npm ci' failed with exit code {process.ExitCode} in {root}.");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
