using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.LocalHost.Azurite;

namespace SignaturePipeline.IntegrationTests.LocalHost;

public sealed class AzuriteProcessTests
{
    [Fact]
    public async Task Azurite_on_ports_another_process_holds_fails_to_start_instead_of_passing_off_that_process_as_storage()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();

            var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() =>
                AzuriteProcess.StartAsync(AzuriteFixture.RepositoryRoot, location: null, ports[0], ports[1], ports[2]));

            Assert.Contains("Azurite exited", error.Message, StringComparison.Ordinal);
            Assert.Contains("EADDRINUSE", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }

    [Fact]
    public async Task The_local_hosts_Azurite_runs_in_a_session_of_its_own_and_a_stop_lets_it_save_and_exit()
    {
        var location = Directory.CreateTempSubdirectory("detached-azurite-").FullName;
        var ports = new AzuritePorts(AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), AzuriteProcess.FreePort());
        var tables = new Azure.Data.Tables.TableServiceClient(AzuriteProcess.ConnectionStringFor(ports.Blob, ports.Queue, ports.Table));
        var azurite = await DetachedAzurite.StartAsync(AzuriteFixture.RepositoryRoot, location, ports, CancellationToken.None);
        try
        {
            Assert.True(ports.AllListening);
            // Written just before the stop, well inside Azurite's autosave period: only a graceful stop saves it.
            await tables.CreateTableIfNotExistsAsync("writtenjustbeforestop");
            // /proc/{pid}/stat: "pid (comm) state ppid pgrp session …": the leader of its own group and session.
            var stat = File.ReadAllText($"/proc/{azurite.ProcessId}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            Assert.Equal((azurite.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), azurite.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)), (fields[2], fields[3]));
            Assert.Equal(azurite.ProcessId, DetachedAzurite.FindRunning(location, ports)?.ProcessId);

            Assert.True(await azurite.StopAsync(TimeSpan.FromSeconds(20)));
            Assert.False(DetachedAzurite.IsAlive(azurite.ProcessId));
            Assert.False(File.Exists(DetachedAzurite.PidFile(location)));
            Assert.Contains("Azurite Table service successfully closed", File.ReadAllText(DetachedAzurite.LogFile(location)), StringComparison.Ordinal);

            azurite = await DetachedAzurite.StartAsync(AzuriteFixture.RepositoryRoot, location, ports, CancellationToken.None);
            Assert.Contains(tables.Query(t => t.Name == "writtenjustbeforestop"), t => t.Name == "writtenjustbeforestop");
            Assert.True(await azurite.StopAsync(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            if (DetachedAzurite.IsAlive(azurite.ProcessId)) await azurite.StopAsync(TimeSpan.FromSeconds(1));
            Directory.Delete(location, recursive: true);
        }
    }

    [Fact]
    public async Task A_recorded_pid_that_now_belongs_to_another_process_is_never_taken_for_Azurite()
    {
        var location = Directory.CreateTempSubdirectory("stale-azurite-").FullName;
        var ports = new AzuritePorts(AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), AzuriteProcess.FreePort());
        using var other = Process.Start("sleep", "60");
        try
        {
            File.WriteAllText(DetachedAzurite.PidFile(location), JsonSerializer.Serialize(new { Pid = other.Id, BlobPort = ports.Blob, QueuePort = ports.Queue, TablePort = ports.Table }));

            Assert.Null(DetachedAzurite.FindRunning(location, ports));
        }
        finally
        {
            other.Kill();
            await other.WaitForExitAsync();
            Directory.Delete(location, recursive: true);
        }
    }

    [Fact]
    public async Task The_local_hosts_Azurite_on_ports_another_process_holds_fails_with_its_own_words_and_leaves_no_record()
    {
        var location = Directory.CreateTempSubdirectory("busy-azurite-").FullName;
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();

            var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() =>
                DetachedAzurite.StartAsync(AzuriteFixture.RepositoryRoot, location, new AzuritePorts(ports[0], ports[1], ports[2]), CancellationToken.None));

            Assert.Contains("EADDRINUSE", error.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(DetachedAzurite.PidFile(location)));
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
            Directory.Delete(location, recursive: true);
        }
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=true", 10000, 10001, 10002)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:20000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:20001/devstoreaccount1;TableEndpoint=http://localhost:20002/devstoreaccount1;", 20000, 20001, 20002)]
    public void The_ports_to_run_Azurite_on_come_from_a_development_account_connection_string(string connectionString, int blob, int queue, int table)
    {
        Assert.True(AzuritePorts.TryFrom(connectionString, out var ports));
        Assert.Equal(new AzuritePorts(blob, queue, table), ports);
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=false")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=prodaccount;AccountKey=a2V5;EndpointSuffix=core.windows.net")]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://storage.example.org:20000/devstoreaccount1;QueueEndpoint=http://storage.example.org:20001/devstoreaccount1;TableEndpoint=http://storage.example.org:20002/devstoreaccount1;")]
    [InlineData("")]
    public void No_Azurite_is_started_for_an_account_that_is_not_the_local_development_one(string connectionString)
    {
        Assert.False(AzuritePorts.TryFrom(connectionString, out _));
    }
}
