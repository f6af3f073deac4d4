using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SignaturePipeline.Abuse;
using SignaturePipeline.Email;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.OrganizerConsole;

public enum SignInRequestOutcome { Accepted, EmailInvalid, RateLimited }

/// <summary>
/// Signing in to the organizers' console. An address that some petition lists in <c>organizers</c> gets an emailed link
/// (<see cref="ConsoleOptions.SignInLinkMinutes"/>, single use); any other address gets the same answer and no email, so the
/// form tells no one who organizes what. The email is sent off the request's path, so the answer takes as long either way.
/// Table <c>consolesignins</c>: PartitionKey <c>link</c>, RowKey the link's nonce, inserted when the link is used: a second
/// use meets 409, so a link signs in once even if two clicks race. Requests are rate-limited per address and per IP in
/// memory (per instance, as intake's limits are).
/// </summary>
public sealed class ConsoleSignIn(TableServiceClient tables, PetitionStore petitions, ConsoleTokens tokens, EmailSender email, Hmac hmac,
    IOptions<ConsoleOptions> options, TimeProvider clock, ILogger<ConsoleSignIn> logger)
{
    private const string LinkPartition = "link";
    private readonly TableClient _table = tables.GetTableClient(TableNames.ConsoleSignIns);
    private readonly Lock _gate = new();
    private readonly RateWindow _perAddress = new(TimeSpan.FromHours(1), 12, 12);
    private readonly RateWindow _perIp = new(TimeSpan.FromHours(1), 12, 12);

    public async Task<SignInRequestOutcome> RequestLinkAsync(string? address, string? clientIp, string baseUrl, CancellationToken ct)
    {
        if (!CanonicalEmail.TryNormalize(address, out var normalized)) return SignInRequestOutcome.EmailInvalid;
        var key = petitions.OrganizerKey(normalized);
        if (!Allow(key, clientIp, countAddress: true)) return SignInRequestOutcome.RateLimited;

        var organizes = false;
        foreach (var id in await petitions.ListIdsByOrganizerAsync(key, ct).ConfigureAwait(false))
            if (await petitions.GetAsync(id, ct).ConfigureAwait(false) is { } petition && petitions.IsOrganizer(petition, key))
            {
                organizes = true;
                break;
            }
        if (!organizes) return SignInRequestOutcome.Accepted;

        var token = tokens.NewLinkToken(key, out var nonce);
        var link = $"{baseUrl}/console/signin?token={Uri.EscapeDataString(token)}";
        // Not awaited: an organizer's answer must not take longer than anyone else's.
        _ = Task.Run(async () =>
        {
            try
            {
                await email.SendAsync(LinkEmail(normalized, link), "console-signin-" + nonce, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                logger.LogError(e, "The console sign-in email {Nonce} could not be sent", nonce);
            }
        }, CancellationToken.None);
        return SignInRequestOutcome.Accepted;
    }

    /// <summary>Uses a link: a session when it is well signed, unexpired and unused; null otherwise (and it stays used).</summary>
    public async Task<ConsoleSession?> RedeemAsync(string? token, CancellationToken ct)
    {
        if (tokens.ReadLinkToken(token) is not { } link) return null;
        try
        {
            await _table.AddEntityAsync(new TableEntity(LinkPartition, link.Nonce) { ["UsedAt"] = clock.GetUtcNow() }, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return null;
        }
        return tokens.NewSession(isOperator: false, link.OrganizerKey);
    }

    /// <summary>The operator signs in with the admin key: a session for every petition, or null (rate-limited per IP too).</summary>
    public ConsoleSession? SignInOperator(string? given, string? expected, string? clientIp)
    {
        if (!Allow(null, clientIp, countAddress: false)) return null;
        if (string.IsNullOrEmpty(expected) || string.IsNullOrEmpty(given) || !Hmac.FixedTimeEquals(given, expected)) return null;
        return tokens.NewSession(isOperator: true, null);
    }

    private bool Allow(string? addressKey, string? clientIp, bool countAddress)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var o = options.Value;
        lock (_gate)
        {
            var ipOk = _perIp.Hit(Key("ip", hmac.IpHash(clientIp ?? "")), now) <= o.MaxSignInsPerIpPerHour;
            var addressOk = !countAddress || _perAddress.Hit(Key("address", addressKey!), now) <= o.MaxSignInsPerAddressPerHour;
            return ipOk && addressOk;
        }
    }

    private static ulong Key(string kind, string value)
    {
        var key = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(kind + "\n" + value)));
        return key == 0 ? 1 : key;
    }

    private OutgoingEmail LinkEmail(string to, string link)
    {
        var minutes = options.Value.SignInLinkMinutes;
        var text = $"""
            Sign in to the organizers' console with this link:

            {link}

            It works once, for {minutes} minutes. If you did not ask for it, ignore this email: nobody can sign in without it.
            """;
        var html = $"""
            <p>Sign in to the organizers' console:</p>
            <p><a href="{WebUtility.HtmlEncode(link)}">Open the console</a></p>
            <p>The link works once, for {minutes} minutes. If you did not ask for it, ignore this email: nobody can sign in without it.</p>
            """;
        return new OutgoingEmail([to], "Your sign-in link for the organizers' console", text, html);
    }
}
