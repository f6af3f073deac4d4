using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Confirmation;

/// <summary>Whether a signer email may go out today, and if not, which cap stopped it.</summary>
public enum MailVerdict { Send, AddressCapped, IpCapped, PetitionCapped }

/// <summary>
/// The daily caps on signer emails (<see cref="ConfirmationOptions"/>). Table <c>signermail</c>, written only here:
/// PartitionKey = the UTC day (<c>yyyyMMdd</c>); RowKey <c>a_{HMAC of the canonical address}</c>, <c>i_{IP hash}</c> and
/// <c>p_{petition id}</c> count the day's emails (column <c>Sent</c>), and <c>k_{idempotency key}</c> marks an email that has
/// taken its place in those counts. One email's marker and counters are written in one transaction under the counters'
/// ETags, so concurrent senders never exceed a cap, and a send that failed after taking its place is not counted again
/// when the sweep retries it. A day's rows are a few per email: they can be deleted once the day is over.
/// </summary>
public sealed class SignerMailQuota(TableServiceClient tables, Hmac hmac, CanonicalEmailRules emailRules,
    IOptions<ConfirmationOptions> options, TimeProvider clock)
{
    private const string SentColumn = "Sent";
    private const int MaxConflictRetries = 20;
    private readonly TableClient _table = tables.GetTableClient(TableNames.SignerMail);

    /// <summary>Takes the email's place in today's counts, or says which cap is full. Safe to ask again for the same email.</summary>
    public async Task<MailVerdict> TakeAsync(string petitionId, OutboxRow outbox, CancellationToken ct)
    {
        var o = options.Value;
        var day = clock.GetUtcNow().UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var marker = "k_" + SignerMailer.IdempotencyKey(outbox);
        var address = CanonicalEmail.TryNormalize(outbox.To, out var normalized) ? CanonicalEmail.Canonicalize(normalized, emailRules) : outbox.To;
        var caps = new List<(string RowKey, int Cap, MailVerdict Verdict)>(3)
        {
            ("a_" + hmac.RecordHash("signer-mail-address", address, 16), o.MaxEmailsPerAddressPerDay, MailVerdict.AddressCapped),
        };
        if (outbox.IpHash is { Length: > 0 } ip) caps.Add(("i_" + ip, o.MaxEmailsPerIpPerDay, MailVerdict.IpCapped));
        caps.Add(("p_" + petitionId, o.MaxEmailsPerPetitionPerDay, MailVerdict.PetitionCapped));

        for (var attempt = 0; ; attempt++)
        {
            if ((await _table.GetEntityIfExistsAsync<TableEntity>(day, marker, cancellationToken: ct).ConfigureAwait(false)).HasValue)
                return MailVerdict.Send;
            var actions = new List<TableTransactionAction>(caps.Count + 1) { new(TableTransactionActionType.Add, new TableEntity(day, marker)) };
            foreach (var (rowKey, cap, verdict) in caps)
            {
                var read = await _table.GetEntityIfExistsAsync<TableEntity>(day, rowKey, cancellationToken: ct).ConfigureAwait(false);
                var sent = read.HasValue ? read.Value!.GetInt32(SentColumn) ?? 0 : 0;
                if (sent >= cap) return verdict;
                var counter = new TableEntity(day, rowKey) { [SentColumn] = sent + 1 };
                actions.Add(read.HasValue
                    ? new TableTransactionAction(TableTransactionActionType.UpdateMerge, counter, read.Value!.ETag)
                    : new TableTransactionAction(TableTransactionActionType.Add, counter));
            }
            try
            {
                await _table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
                return MailVerdict.Send;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < MaxConflictRetries)
            {
                // Another sender moved a counter or took this very email's place: decide again on fresh rows.
                await Task.Delay(Random.Shared.Next(5, 20 * (attempt + 1)), ct).ConfigureAwait(false);
            }
        }
    }
}
