using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Pages;

/// <summary>
/// <c>GET /petitions/{id}</c>: the petition as one server-rendered page that works with scripts off. Its plain
/// form posts to the signature endpoint, which answers with a 303 to the thank-you page, or with this page
/// again (400) holding the signer's values and each error next to its field.
/// </summary>
public static class PetitionPage
{
    private static readonly CultureInfo Numbers = CultureInfo.GetCultureInfo("en-US");

    private sealed record Field(string Name, string Label, string Type, string Autocomplete, int MaxLength, bool Optional = false, string? InputMode = null);

    private static readonly Field FirstName = new("firstName", "First name", "text", "given-name", SignatureRules.MaxNameLength);
    private static readonly Field LastName = new("lastName", "Last name", "text", "family-name", SignatureRules.MaxNameLength);
    private static readonly Field Email = new("email", "Email", "email", "email", 254, InputMode: "email");
    private static readonly Field PostalCode = new("postalCode", "ZIP code", "text", "postal-code", 10, InputMode: "numeric");
    private static readonly Field State = new("state", "State", "select", "address-level1", 2);
    private static readonly Field City = new("city", "City", "text", "address-level2", SignatureRules.MaxCityLength, Optional: true);
    private static readonly Field Comment = new("comment", "Comment", "textarea", "off", SignatureRules.MaxCommentLength, Optional: true);

    /// <summary>Form order, which is also the order errors are listed and the first one focused.</summary>
    private static readonly Field[] Fields = [FirstName, LastName, Email, PostalCode, State, City, Comment];

    /// <param name="count">The live count, or null where reading it is not worth it (re-rendering a rejected form post).</param>
    public static IResult Render(Petition petition, long? count, SignatureInput? values = null, IReadOnlyList<FieldError>? errors = null, int status = StatusCodes.Status200OK)
    {
        errors ??= [];
        var html = new StringBuilder();
        var targets = string.Join(", ", petition.Targets.Select(t => t.Name));
        html.Append("<header><p class=\"to\">Petition to ").Append(Encode(targets)).Append("</p>")
            .Append("<h1>").Append(Encode(petition.Title)).Append("</h1>");
        if (count is { } n)
        {
            var next = NextMilestone.For(n, petition.Goal);
            var text = $"{n.ToString("N0", Numbers)} of {next.ToString("N0", Numbers)} signatures";
            html.Append("<progress max=\"").Append(next).Append("\" value=\"").Append(n).Append("\" aria-label=\"Signatures so far, toward the next milestone\" aria-valuetext=\"")
                .Append(text).Append("\"></progress>")
                .Append("<p class=\"count\"><b>").Append(n.ToString("N0", Numbers)).Append("</b> of ").Append(next.ToString("N0", Numbers)).Append(" signatures</p>");
        }
        if (petition.IsOpen && errors.Count == 0) html.Append("<a class=\"jump\" href=\"#sign\">Sign this petition</a>");
        html.Append("</header><div class=\"cols\"><article class=\"card letter\"><h2>The letter</h2>");
        AppendLetter(html, petition.Letter);
        html.Append("</article>");

        if (petition.IsOpen) AppendForm(html, petition, values, errors);
        else
            html.Append("<div class=\"card\" id=\"sign\"><h2>")
                .Append(petition.Status == PetitionStatus.Won ? "This petition won" : "This petition is closed")
                .Append("</h2><p>It is no longer collecting signatures. Thank you to everyone who signed.</p></div>");
        html.Append("</div>");

        var title = errors.Count > 0 ? "Check your signature: " + petition.Title : petition.Title;
        // A count a few seconds old is fine, and it spares the counters a read per visitor on a busy day.
        return HtmlPages.Page(title, html.ToString(), status, cacheControl: errors.Count > 0 ? "no-store" : "public, max-age=15");
    }

    private static void AppendLetter(StringBuilder html, string letter)
    {
        foreach (var paragraph in letter.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            html.Append("<p>").Append(string.Join("<br>", paragraph.Split('\n').Select(Encode))).Append("</p>");
    }

    private static void AppendForm(StringBuilder html, Petition petition, SignatureInput? values, IReadOnlyList<FieldError> errors)
    {
        var byField = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Message)), StringComparer.Ordinal);
        var first = Fields.FirstOrDefault(f => byField.ContainsKey(f.Name));

        html.Append("<form class=\"card\" id=\"sign\" method=\"post\" accept-charset=\"utf-8\" action=\"/api/petitions/")
            .Append(Encode(petition.Id)).Append("/signatures\"><h2>Sign the petition</h2>");
        if (errors.Count > 0)
        {
            html.Append("<div class=\"summary\" role=\"alert\"><h2>")
                .Append(errors.Count == 1 ? "One field needs another look" : $"{errors.Count} fields need another look")
                .Append("</h2><p>Your signature is not recorded yet. Fix these and send it again:</p><ul>");
            foreach (var error in errors)
            {
                var known = Fields.Any(f => f.Name == error.Field);
                html.Append("<li>").Append(known ? $"<a href=\"#f-{Encode(error.Field)}\">" : "").Append(Encode(error.Message)).Append(known ? "</a>" : "").Append("</li>");
            }
            html.Append("</ul></div>");
        }

        void Append(Field field) => AppendField(html, field, ValueOf(values, field.Name), byField.GetValueOrDefault(field.Name), field == first);
        html.Append("<div class=\"row\">"); Append(FirstName); Append(LastName); html.Append("</div>");
        Append(Email);
        html.Append("<div class=\"row\">"); Append(PostalCode); Append(State); html.Append("</div>");
        Append(City);
        Append(Comment);
        // The honeypot: people never see or reach it, and form-filling bots tend to fill every field.
        html.Append("<div class=\"hp\" aria-hidden=\"true\"><label for=\"f-website\">Leave this field empty</label><input id=\"f-website\" name=\"website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\"></div>");
        html.Append("<label class=\"check\"><input type=\"checkbox\" name=\"optIn\"").Append(values?.OptIn == true ? " checked" : "")
            .Append("><span>Email me updates about this campaign</span></label>")
            .Append("<button type=\"submit\">Sign the petition</button></form>");
    }

    private static void AppendField(StringBuilder html, Field field, string? value, string? error, bool focus)
    {
        var id = "f-" + field.Name;
        html.Append("<div class=\"f\"><label for=\"").Append(id).Append("\">").Append(field.Label);
        if (field.Optional) html.Append(" <span class=\"opt\">(optional)</span>");
        html.Append("</label>");

        var attributes = new StringBuilder()
            .Append(" id=\"").Append(id).Append("\" name=\"").Append(field.Name).Append("\" autocomplete=\"").Append(field.Autocomplete).Append('"');
        if (!field.Optional) attributes.Append(" required");
        if (field.InputMode is not null) attributes.Append(" inputmode=\"").Append(field.InputMode).Append('"');
        if (error is not null) attributes.Append(" aria-invalid=\"true\" aria-describedby=\"err-").Append(field.Name).Append('"');
        if (focus) attributes.Append(" autofocus");

        switch (field.Type)
        {
            case "select":
                html.Append("<select").Append(attributes).Append("><option value=\"\">Choose\u2026</option>");
                var selected = UsStates.TryNormalize(value, out var code) ? code : null;
                foreach (var state in UsStates.Codes)
                    html.Append("<option value=\"").Append(state).Append('"').Append(state == selected ? " selected" : "").Append('>')
                        .Append(Encode(UsStates.NameOf(state))).Append("</option>");
                html.Append("</select>");
                break;
            case "textarea":
                html.Append("<textarea rows=\"3\" maxlength=\"").Append(field.MaxLength).Append('"').Append(attributes).Append('>')
                    .Append(Encode(value)).Append("</textarea>");
                break;
            default:
                html.Append("<input type=\"").Append(field.Type).Append("\" maxlength=\"").Append(field.MaxLength).Append('"').Append(attributes);
                if (!string.IsNullOrEmpty(value)) html.Append(" value=\"").Append(Encode(value)).Append('"');
                if (field.Type == "email") html.Append(" spellcheck=\"false\"");
                html.Append('>');
                break;
        }
        // Below the control, so controls that share a row stay aligned however long a message is.
        if (error is not null) html.Append("<p class=\"err\" id=\"err-").Append(field.Name).Append("\">").Append(Encode(error)).Append("</p>");
        html.Append("</div>");
    }

    private static string? ValueOf(SignatureInput? values, string field) => values is null ? null : field switch
    {
        "firstName" => values.FirstName,
        "lastName" => values.LastName,
        "email" => values.Email,
        "postalCode" => values.PostalCode,
        "state" => values.State,
        "city" => values.City,
        "comment" => values.Comment,
        _ => null,
    };

    private static string Encode(string? text) => HtmlPages.Encode(text);
}
