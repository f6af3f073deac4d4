using System.Net;
using System.Net.Sockets;
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
}
