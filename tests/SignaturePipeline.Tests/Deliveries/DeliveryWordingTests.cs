using Azure.Data.Tables;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Tests.Deliveries;

/// <summary>Delivery texts exist in English only (they go to a US official's office): every count reads right there.</summary>
public sealed class DeliveryWordingTests
{
    [Theory]
    [InlineData(1, "1 signer")]
    [InlineData(2, "2 signers")]
    [InlineData(6364, "6,364 signers")]
    public void A_count_of_signers_agrees_with_its_number(long count, string expected) => Assert.Equal(expected, DeliveryWording.Signers(count));

    [Theory]
    [InlineData(1, 0, "1 signer")]
    [InlineData(5, 0, "5 signers")]
    [InlineData(5, 2, "5 signers, of whom 2 asked not to be named")]
    [InlineData(6364, 1, "6,364 signers, of whom 1 asked not to be named")]
    [InlineData(1, 1, "1 signer, who asked not to be named")]
    [InlineData(3, 3, "3 signers, all of whom asked not to be named")]
    public void Signers_who_asked_not_to_be_named_are_counted_in_the_same_phrase(long count, long unnamed, string expected) =>
        Assert.Equal(expected, DeliveryWording.SignersOfWhomUnnamed(count, unnamed));

    [Fact]
    public void One_signature_is_the_one_person_who_has_signed_never_all_1_people()
    {
        var opening = DeliveryWording.Opening("Stop S-Comm", 1, 1);
        var cover = DeliveryWording.Cover(1, 1, 0, listsNames: true);

        Assert.Equal("We are delivering to you the signature of the one person who has signed the petition “Stop S-Comm”.", opening);
        Assert.Equal("This delivery carries the signature of the one person who has signed. Their name, town and comment follow.", cover);
        Assert.DoesNotContain("1 people", opening + cover, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_signatures_since_the_last_delivery_give_the_running_total()
    {
        Assert.Equal("We are delivering to you the signatures of the 2 people who signed the petition “T” since our last delivery. 6,364 people have signed it in all.",
            DeliveryWording.Opening("T", 2, 6364));
        Assert.Equal("This delivery carries the signatures of all 6,364 people who have signed. Their names, towns and comments follow.",
            DeliveryWording.Cover(6364, 6364, 0, listsNames: true));
    }

    [Fact]
    public void The_cover_says_how_many_asked_not_to_be_named_and_whose_names_follow()
    {
        Assert.Equal("This delivery carries the signatures of all 5 people who have signed. 2 of them asked to be counted without being named: "
            + "they are in the totals, not in the list of names. The names, towns and comments of those who agreed to be named follow.",
            DeliveryWording.Cover(5, 5, 2, listsNames: true));
        Assert.Equal("This delivery carries the signature of the one person who has signed. They asked to be counted without being named: "
            + "they are in the totals, and no list of names follows.", DeliveryWording.Cover(1, 1, 1, listsNames: true));
        Assert.StartsWith("One of them asked", DeliveryWording.Unnamed(3, 1, listsNames: true), StringComparison.Ordinal);
        Assert.Equal("", DeliveryWording.Unnamed(3, 0, listsNames: true));
    }

    [Fact]
    public void A_target_that_takes_no_names_is_told_it_gets_the_totals_only()
    {
        var cover = DeliveryWording.Cover(4, 4, 1, listsNames: false);
        Assert.Contains("gives their number and the totals by state or ZIP code area, and no names", cover, StringComparison.Ordinal);
        Assert.DoesNotContain("follow", cover, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 0, "1 signer is listed. The same list, in the same order, is in signers.csv.")]
    [InlineData(4, 1, "4 signers are listed. 1 more asked not to be named and is counted only in the totals. The same list, in the same order, is in signers.csv.")]
    [InlineData(4, 3, "4 signers are listed. 3 more asked not to be named and are counted only in the totals. The same list, in the same order, is in signers.csv.")]
    public void The_list_note_counts_the_listed_and_the_unnamed(long listed, long unnamed, string expected) =>
        Assert.Equal(expected, DeliveryWording.ListNote(listed, unnamed));

    [Fact]
    public void A_private_signer_enters_the_index_without_name_city_or_comment_and_its_tally_says_so()
    {
        var at = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var named = IndexedSigner.From(new ValidSignature("Ana", "Li", "a@x.org", "a@x.org", "10027", "NY", "Harlem", "US", "Hi", false), at);
        var hidden = IndexedSigner.From(new ValidSignature("Bo", "Hidden", "b@x.org", "b@x.org", "10001", "NY", "Secret", "US", "Words", false, Private: true), at);

        var row = IndexedSigner.ToIndexEntity("p_00", "t_x", at, [named, hidden]);
        var read = IndexedSigner.ReadSigners(row);

        Assert.Equal([named, hidden], read);
        Assert.True(read[1].Private);
        Assert.Equal(("", "", "", ""), (read[1].FirstName, read[1].LastName, read[1].City, read[1].Comment));
        Assert.DoesNotContain("Hidden", string.Concat(row.Select(kv => kv.Value).OfType<string>()), StringComparison.Ordinal);
        Assert.Equal([("NY", "100", 2, 1)], IndexedSigner.ReadTally(row).ToList());
    }

    [Fact]
    public void A_tally_written_before_private_signers_existed_reads_as_none_unnamed()
    {
        var row = new TableEntity("p_00", "t_x") { [IndexedSigner.TallyProperty] = "CA941=2;NY100=3" };
        Assert.Equal([("CA", "941", 2, 0), ("NY", "100", 3, 0)], IndexedSigner.ReadTally(row).ToList());
    }
}
