using Microsoft.AspNetCore.WebUtilities;

namespace SignaturePipeline.Web.Pages;

/// <summary>
/// The share step's links: plain addresses of each service's own share page (no script of theirs ever runs on ours),
/// each carrying the signer's referral code as <c>ref</c> and the channel as <c>source=share-{channel}</c>, so a signature
/// that comes through it counts for the signer, by channel. The widget builds the same links (Embed/embed.js).
/// </summary>
public static class ShareLinks
{
    public const string Link = "link";
    public const string Email = "email";
    public const string WhatsApp = "whatsapp";
    public const string X = "x";
    public const string Facebook = "facebook";

    /// <summary>The page to share, with the code and the channel.</summary>
    public static string UrlFor(string pageUrl, string referralCode, string channel) =>
        QueryHelpers.AddQueryString(pageUrl, new Dictionary<string, string?>
        {
            ["ref"] = referralCode,
            ["source"] = "share-" + channel,
        });

    /// <summary>(channel, label, address) for each service, in the order they are offered; the copy link is <see cref="UrlFor"/> with <see cref="Link"/>.</summary>
    public static IReadOnlyList<(string Channel, string Label, string Href)> For(string pageUrl, string referralCode, string message, string subject, string emailLabel)
    {
        string Escape(string text) => Uri.EscapeDataString(text);
        string Url(string channel) => UrlFor(pageUrl, referralCode, channel);
        return
        [
            (Email, emailLabel, $"mailto:?subject={Escape(subject)}&body={Escape(message + "\n\n" + Url(Email))}"),
            (WhatsApp, "WhatsApp", $"https://wa.me/?text={Escape(message + " " + Url(WhatsApp))}"),
            (X, "X", $"https://x.com/intent/tweet?text={Escape(message)}&url={Escape(Url(X))}"),
            (Facebook, "Facebook", $"https://www.facebook.com/sharer/sharer.php?u={Escape(Url(Facebook))}"),
        ];
    }
}
