using System.Globalization;

namespace SignaturePipeline.Deliveries;

/// <summary>
/// The sentences of a delivery that carry its numbers, for one signer and for many, and for signers who asked not to be
/// named. One place, so the email subject, the email body and the PDF never disagree ("1 signers", "all 1 people").
/// English only, as every delivery text is: it goes to a US official's office.
/// </summary>
public static class DeliveryWording
{
    private static readonly CultureInfo En = CultureInfo.GetCultureInfo("en-US");

    private static string N(long value) => value.ToString("N0", En);

    /// <summary>"1 signer", "6,364 signers".</summary>
    public static string Signers(long count) => count == 1 ? "1 signer" : $"{N(count)} signers";

    /// <summary>"1 person", "6,364 people".</summary>
    public static string People(long count) => count == 1 ? "1 person" : $"{N(count)} people";

    /// <summary>"3 signers", "3 signers, of whom 1 asked not to be named", "1 signer, who asked not to be named".</summary>
    public static string SignersOfWhomUnnamed(long count, long unnamed) =>
        unnamed <= 0 ? Signers(count)
        : unnamed >= count ? (count == 1 ? "1 signer, who asked not to be named" : $"{N(count)} signers, all of whom asked not to be named")
        : $"{Signers(count)}, of whom {N(unnamed)} asked not to be named";

    /// <summary>The target email's opening: whose signatures these are, and how many have signed in all.</summary>
    public static string Opening(string title, long count, long cumulative) =>
        cumulative == count
            ? count == 1
                ? $"We are delivering to you the signature of the one person who has signed the petition “{title}”."
                : $"We are delivering to you the signatures of the {N(count)} people who have signed the petition “{title}”."
            : count == 1
                ? $"We are delivering to you the signature of the one person who signed the petition “{title}” since our last delivery. {People(cumulative)} have signed it in all."
                : $"We are delivering to you the signatures of the {N(count)} people who signed the petition “{title}” since our last delivery. {People(cumulative)} have signed it in all.";

    /// <summary>
    /// What the list leaves out and why, after <see cref="Opening"/> or the PDF's cover sentence; empty when every signer is
    /// named.
    /// </summary>
    public static string Unnamed(long count, long unnamed, bool listsNames) =>
        !listsNames ? "At the organizers' request, this delivery gives their number and the totals by state or ZIP code area, and no names."
        : unnamed <= 0 ? ""
        : unnamed >= count ? (count == 1
            ? "They asked to be counted without being named: they are in the totals, and no list of names follows."
            : "All of them asked to be counted without being named: they are in the totals, and no list of names follows.")
        : unnamed == 1 ? "One of them asked to be counted without being named: they are in the totals, not in the list of names."
        : $"{N(unnamed)} of them asked to be counted without being named: they are in the totals, not in the list of names.";

    /// <summary>The PDF cover's sentence about this delivery, before the signature.</summary>
    public static string Cover(long count, long cumulative, long unnamed, bool listsNames)
    {
        var carries = cumulative == count
            ? count == 1 ? "This delivery carries the signature of the one person who has signed." : $"This delivery carries the signatures of all {N(count)} people who have signed."
            : count == 1
                ? $"This delivery carries the signature of the one person who signed since our last delivery; {People(cumulative)} have signed in all."
                : $"This delivery carries the signatures of the {N(count)} people who signed since our last delivery; {People(cumulative)} have signed in all.";
        var named = listsNames && unnamed < count
            ? unnamed > 0 ? " The names, towns and comments of those who agreed to be named follow." : count == 1 ? " Their name, town and comment follow." : " Their names, towns and comments follow."
            : "";
        var unnamedText = Unnamed(count, unnamed, listsNames);
        return carries + (unnamedText.Length > 0 ? " " + unnamedText : "") + named;
    }

    /// <summary>The line under the PDF's "Signers" heading.</summary>
    public static string ListNote(long listed, long unnamed) =>
        (listed == 1 ? "1 signer is listed." : $"{N(listed)} signers are listed.")
        + (unnamed <= 0 ? "" : unnamed == 1 ? " 1 more asked not to be named and is counted only in the totals." : $" {N(unnamed)} more asked not to be named and are counted only in the totals.")
        + " The same list, in the same order, is in signers.csv.";
}
