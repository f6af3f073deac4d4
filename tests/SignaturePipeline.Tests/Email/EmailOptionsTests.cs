using MailKit.Security;
using SignaturePipeline.Email;

namespace SignaturePipeline.Tests.Email;

public sealed class EmailOptionsTests
{
    private static IReadOnlyList<string> Errors(EmailOptions options) =>
        new EmailOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void The_defaults_write_to_the_local_pickup_folder_and_are_valid()
    {
        var options = new EmailOptions();
        Assert.Equal(EmailTransports.Pickup, options.NormalizedTransport);
        Assert.Equal(Path.GetFullPath(".data/mail"), options.ResolvedPickupDirectory);
        Assert.Empty(Errors(options));
    }

    [Fact]
    public void An_unknown_transport_or_a_bad_sender_fails_validation()
    {
        Assert.Contains(Errors(new EmailOptions { Transport = "sendgrid" }), e => e.Contains("pickup, smtp or acs", StringComparison.Ordinal));
        Assert.Contains(Errors(new EmailOptions { From = "not an address" }), e => e.Contains("Email:From", StringComparison.Ordinal));
    }

    [Fact]
    public void Smtp_needs_a_host_and_a_password_with_a_username()
    {
        Assert.Contains(Errors(new EmailOptions { Transport = "SMTP" }), e => e.Contains("Email:Smtp:Host", StringComparison.Ordinal));
        var options = new EmailOptions { Transport = "smtp", Smtp = { Host = "smtp.azurecomm.net", UseStartTls = true, Username = "app" } };
        Assert.Contains(Errors(options), e => e.Contains("Email:Smtp:Password", StringComparison.Ordinal));
        options.Smtp.Password = "secret";
        Assert.Empty(Errors(options));
        Assert.Equal(587, options.Smtp.EffectivePort);
    }

    [Fact]
    public void Acs_needs_an_endpoint_over_https_unless_it_is_a_loopback_test_server()
    {
        Assert.Contains(Errors(new EmailOptions { Transport = "acs" }), e => e.Contains("Email:Acs:Endpoint", StringComparison.Ordinal));
        Assert.Contains(Errors(new EmailOptions { Transport = "acs", Acs = { Endpoint = "http://contoso.communication.azure.com" } }), e => e.Contains("https", StringComparison.Ordinal));
        Assert.Empty(Errors(new EmailOptions { Transport = "acs", Acs = { Endpoint = "https://contoso.communication.azure.com", UseManagedIdentity = true } }));
        Assert.Empty(Errors(new EmailOptions { Transport = "acs", Acs = { ConnectionString = "endpoint=http://127.0.0.1:5000/;accesskey=AAAA" } }));
        Assert.Contains(Errors(new EmailOptions { Transport = "acs", Acs = { ConnectionString = "endpoint=https://x.communication.azure.com/;accesskey=%%%" } }),
            e => e.Contains("accesskey", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("smtp.example.org", 587, null, SecureSocketOptions.StartTls)]
    [InlineData("smtp.example.org", 25, null, SecureSocketOptions.StartTls)]
    [InlineData("smtp.example.org", 465, null, SecureSocketOptions.SslOnConnect)]
    [InlineData("smtp.azurecomm.net", 587, true, SecureSocketOptions.StartTls)]
    [InlineData("127.0.0.1", 2525, null, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("localhost", 2525, null, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("::1", 2525, null, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("127.0.0.1", 2525, false, SecureSocketOptions.None)]
    public void Smtp_left_unset_requires_TLS_except_to_a_relay_on_this_machine(string host, int port, bool? startTls, SecureSocketOptions expected) =>
        Assert.Equal(expected, new SmtpEmailOptions { Host = host, Port = port, UseStartTls = startTls }.Security);

    [Theory]
    [InlineData("smtp.example.org")]
    [InlineData("10.0.0.5")]
    [InlineData("localhost.example.org")]
    public void Plain_text_smtp_to_another_machine_is_refused_at_start(string host)
    {
        var options = new EmailOptions { Transport = "smtp", Smtp = { Host = host, UseStartTls = false } };
        Assert.Contains(Errors(options), e => e.Contains("clear text", StringComparison.Ordinal));
    }

    [Fact]
    public void Plain_text_smtp_to_a_loopback_test_server_is_allowed()
    {
        var options = new EmailOptions { Transport = "smtp", Smtp = { Host = "127.0.0.1", Port = 2525, UseStartTls = false } };
        Assert.Empty(Errors(options));
    }
}
