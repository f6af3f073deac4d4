using System.Security.Cryptography;
using System.Text;
using CsvHelper;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Tests.Deliveries;

public sealed class SignerListTests
{
    private static IndexedSigner Signer(string first, string last = "Doe", string city = "Albany", string comment = "") =>
        new(first, last, city, "NY", "12207", comment, new DateTimeOffset(2026, 11, 23, 13, 0, 5, TimeSpan.Zero));

    private static List<string[]> WriteAndRead(params IndexedSigner[] signers)
    {
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, SignerList.WriterOptions(), leaveOpen: true))
        {
            SignerList.WriteHeader(csv);
            foreach (var s in signers) SignerList.WriteRow(csv, SignerList.Fields(s));
        }
        using var reader = CsvReader.Create(buffer.ToArray(), SignerList.ReaderOptions());
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        return rows;
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"x\")")]
    [InlineData("+1")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1)")]
    [InlineData("|calc")]
    [InlineData("%0A")]
    [InlineData("'=already")]
    [InlineData("'plain")]
    [InlineData("plain, with \"quotes\"\nand a line")]
    [InlineData("Zoë 李小龙 Алина")]
    public void Every_cell_is_inert_and_unescapes_to_exactly_its_value(string value)
    {
        var row = Assert.Single(WriteAndRead(Signer(value, value, value, value)));
        Assert.All(row, cell => Assert.False(cell.Length > 0 && SignerList.InjectionCharacters.Contains(cell[0], StringComparison.Ordinal), cell));
        Assert.Equal([value, value, value, "NY", "12207", value, "2026-11-23T13:00:05Z"], row.Select(SignerList.Unescape));
    }

    [Fact]
    public void The_canonical_hash_is_netstrings_per_field_and_a_line_feed_per_signer()
    {
        using var hasher = new SignerList.Hasher();
        hasher.Append(SignerList.Fields(Signer("Zoë", "Nuñez", "", "¡Sí!")));
        hasher.Append(SignerList.Fields(Signer("Ana")));
        var expected = "4:Zoë,6:Nuñez,0:,2:NY,5:12207,6:¡Sí!,20:2026-11-23T13:00:05Z,\n" +
                       "3:Ana,3:Doe,6:Albany,2:NY,5:12207,0:,20:2026-11-23T13:00:05Z,\n";
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(expected))), hasher.HexDigest());
        Assert.Equal(2, hasher.Count);
    }

    [Fact]
    public void An_index_row_lists_its_signers_and_tallies_them_by_state_and_ZIP3()
    {
        var signers = Enumerable.Range(0, 98).Select(i => new IndexedSigner("名" + i, "Doe", i % 2 == 0 ? "Albany" : "", i % 3 == 0 ? "CA" : "NY",
            i % 3 == 0 ? "94105" : "12207", new string('é', 1000), new DateTimeOffset(2026, 11, 23, 13, 0, i % 60, TimeSpan.Zero))).ToList();
        var row = IndexedSigner.ToIndexEntity("p_00", "t_x", DateTimeOffset.UnixEpoch, signers);
        // Long comments need several string properties, each within Azure's 32K-character limit.
        Assert.True(row.ContainsKey(IndexedSigner.SignersProperty + "1"));
        Assert.All(row.Select(kv => kv.Value).OfType<string>(), v => Assert.True(v.Length <= 32_000));
        Assert.Equal(signers, IndexedSigner.ReadSigners(row));
        Assert.Equal([("CA", "941", 33, 0), ("NY", "122", 65, 0)], IndexedSigner.ReadTally(row).ToList());
    }

    [Fact]
    public void Index_keys_sort_by_commit_time_and_weeks_by_ISO_8601()
    {
        var earlier = SignatureStore.IndexRowKeyOf(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "s_ffff");
        var later = SignatureStore.IndexRowKeyOf(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), "s_0000");
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
        Assert.StartsWith(SignatureStore.IndexRowPrefix, earlier, StringComparison.Ordinal);
        Assert.True(string.CompareOrdinal(SignatureStore.IndexBoundOf(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero)), later) <= 0);
        Assert.Equal("2026-W53", DeliveryStore.IsoWeekOf(new DateTimeOffset(2027, 1, 1, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal("2026-W48", DeliveryStore.IsoWeekOf(new DateTimeOffset(2026, 11, 23, 13, 0, 0, TimeSpan.Zero)));
        Assert.Equal("d_governor-ny_2026-W48", DeliveryStore.RowKeyOf("governor-ny", "2026-W48"));
    }
}
