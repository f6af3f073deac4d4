using System.Text;
using Microsoft.AspNetCore.Http;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Updates;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Pages;

/// <summary>
/// <c>GET /petitions/{id}</c>: the petition as one server-rendered page that works with scripts off. Its plain
/// form posts to the signature endpoint, which answers with a 303 to the thank-you page, or with this page
/// again (400) holding the signer's values and each error next to its field.
/// </summary>
public static class PetitionPage
{
    private sealed record Field(string Name, string Type, string Autocomplete, int MaxLength, bool Optional = false, string? InputMode = null);

    private static readonly Field FirstName = new("firstName", "text", "given-name", SignatureRules.MaxNameLength);
    private static readonly Field LastName = new("lastName", "text", "family-name", SignatureRules.MaxNameLength);
    private static readonly Field Email = new("email", "email", "email", 254, InputMode: "email");
    private static readonly Field PostalCode = new("postalCode", "text", "postal-code", 10, InputMode: "numeric");
    private static readonly Field State = new("state", "select", "address-level1", 2);
    private static readonly Field City = new("city", "text", "address-level2", SignatureRules.MaxCityLength, Optional: true);
    private static readonly Field Comment = new("comment", "textarea", "off", SignatureRules.MaxCommentLength, Optional: true);

    /// <summary>Form order, which is also the order errors are listed and the first one focused.</summary>
    private static readonly Field[] Fields = [FirstName, LastName, Email, PostalCode, State, City, Comment];

    /// <param name="count">The live count, or null where reading it is not worth it (re-rendering a rejected form post).</param>
    /// <param name="errors">In English from <see cref="SignatureRules"/>; shown translated by their codes.</param>
    /// <param name="updates">The organizers' updates and the target's response, shown under the letter; none when left out.</param>
    public static IResult Render(Petition petition, long? count, PageLanguage language, SignatureInput? values = null, IReadOnlyList<FieldError>? errors = null, int status = StatusCodes.Status200OK,
        PublicUpdates? updates = null)
    {
        errors ??= [];
        var t = language.Strings;
        var html = new StringBuilder();
        var targets = string.Join(", ", petition.Targets.Select(target => target.Name));
        html.Append("<header><p class=\"to\">").Append(t.Format(t.PetitionTo, Encode(targets))).Append("</p>")
            .Append("<h1>").Append(Encode(petition.Title)).Append("</h1>");
        if (count is { } n)
        {
            var next = NextMilestone.For(n, petition.Goal);
            html.Append("<progress max=\"").Append(next).Append("\" value=\"").Append(n).Append("\" aria-label=\"").Append(t.ProgressLabel).Append("\" aria-valuetext=\"")
                .Append(t.Format(t.Progress, t.Number(n), t.Number(next))).Append("\"></progress>")
                .Append("<p class=\"count\">").Append(t.Format(t.Progress, "<b>" + t.Number(n) + "</b>", t.Number(next))).Append("</p>");
        }
        if (petition.IsOpen && errors.Count == 0) html.Append("<a class=\"jump\" href=\"#sign\">").Append(t.Jump).Append("</a>");
        html.Append("</header><div class=\"cols\"><article class=\"card letter\"><h2>").Append(t.Letter).Append("</h2>");
        AppendLetter(html, petition.Letter);
        if (updates is { } u && (u.Updates.Count > 0 || u.Response is not null)) AppendUpdates(html, u, t);
        html.Append("</article>");

        if (petition.IsOpen) AppendForm(html, petition, language, values, errors);
        else
            html.Append("<div class=\"card\" id=\"sign\"><h2>")
                .Append(petition.Status == PetitionStatus.Won ? t.Won : t.Closed)
                .Append("</h2><p>").Append(t.ClosedText).Append("</p></div>");
        html.Append("</div>");

        var title = errors.Count > 0 ? t.Format(t.CheckTitle, petition.Title) : petition.Title;
        // A count a few seconds old is fine, and it spares the counters a read per visitor on a busy day.
        return HtmlPages.Page(title, html.ToString(), status, cacheControl: errors.Count > 0 ? "no-store" : "public, max-age=15",
            lang: t.Lang, varyByLanguage: language.Negotiated, formRedirectOrigin: HtmlPages.OriginOf(petition.ThankYouUrl));
    }

    /// <summary>The target's response in full (its text as safe HTML), then each update's kind, date and subject; Spanish where given.</summary>
    private static void AppendUpdates(StringBuilder html, PublicUpdates updates, PageStrings t)
    {
        var spanish = t.Lang == "es";
        html.Append("<section class=\"updates\"><h2>").Append(t.UpdatesHeading).Append("</h2>");
        if (updates.Response is { } r)
        {
            html.Append("<h3>").Append(t.Format(t.ResponseHeading, Encode(r.Responder), Encode(r.RespondedAt.ToString("d", t.Culture)))).Append("</h3>")
                .Append(UpdateBody.ToHtml(spanish && r.TextEs is not null ? r.TextEs : r.Text));
        }
        if (updates.Updates.Count > 0)
        {
            html.Append("<ul>");
            foreach (var update in updates.Updates)
            {
                var kind = update.Kind switch { "victory" => t.KindVictory, "response" => t.KindResponse, _ => t.KindUpdate };
                html.Append("<li><b>").Append(kind).Append("</b>, <time datetime=\"").Append(Encode(update.PublishedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)))
                    .Append("\">").Append(Encode(update.PublishedAt.ToString("d", t.Culture))).Append("</time>: ")
                    .Append(Encode(spanish && update.SubjectEs is not null ? update.SubjectEs : update.Subject)).Append("</li>");
            }
            html.Append("</ul>");
        }
        html.Append("</section>");
    }

    private static void AppendLetter(StringBuilder html, string letter)
    {
        foreach (var paragraph in letter.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            html.Append("<p>").Append(string.Join("<br>", paragraph.Split('\n').Select(Encode))).Append("</p>");
    }

    private static void AppendForm(StringBuilder html, Petition petition, PageLanguage language, SignatureInput? values, IReadOnlyList<FieldError> errors)
    {
        var t = language.Strings;
        var messages = errors.Select(e => (e.Field, Text: t.Say(e.Code, e.Field, e.Message))).ToList();
        var byField = messages.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Text)), StringComparer.Ordinal);
        var first = Fields.FirstOrDefault(f => byField.ContainsKey(f.Name));

        html.Append("<form class=\"card\" id=\"sign\" method=\"post\" accept-charset=\"utf-8\" action=\"/api/petitions/")
            .Append(Encode(petition.Id)).Append("/signatures\"><h2>").Append(t.FormHeading).Append("</h2>");
        // The post goes to the API, which knows nothing of this page's address; the field tells it which language to answer in.
        if (language.Carried is { } lang) html.Append("<input type=\"hidden\" name=\"lang\" value=\"").Append(Encode(lang)).Append("\">");
        if (errors.Count > 0)
        {
            html.Append("<div class=\"summary\" role=\"alert\"><h2>")
                .Append(errors.Count == 1 ? t.OneError : t.Format(t.Errors, errors.Count))
                .Append("</h2><p>").Append(t.NotRecorded).Append("</p><ul>");
            foreach (var (field, text) in messages)
            {
                var known = Fields.Any(f => f.Name == field);
                html.Append("<li>").Append(known ? $"<a href=\"#f-{Encode(field)}\">" : "").Append(Encode(text)).Append(known ? "</a>" : "").Append("</li>");
            }
            html.Append("</ul></div>");
        }

        void Append(Field field) => AppendField(html, t, field, ValueOf(values, field.Name), byField.GetValueOrDefault(field.Name), field == first);
        html.Append("<div class=\"row\">"); Append(FirstName); Append(LastName); html.Append("</div>");
        Append(Email);
        html.Append("<div class=\"row\">"); Append(PostalCode); Append(State); html.Append("</div>");
        Append(City);
        Append(Comment);
        AppendSources(html, values?.Sources);
        // The honeypot: people never see or reach it, and form-filling bots tend to fill every field.
        html.Append("<div class=\"hp\" aria-hidden=\"true\"><label for=\"f-website\">").Append(t.Honeypot)
            .Append("</label><input id=\"f-website\" name=\"website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\"></div>");
        html.Append("<label class=\"check\"><input type=\"checkbox\" name=\"optIn\"").Append(values?.OptIn == true ? " checked" : "")
            .Append("><span>").Append(t.OptIn).Append("</span></label>")
            .Append("<label class=\"check\"><input type=\"checkbox\" name=\"private\"").Append(values?.Private == true ? " checked" : "")
            .Append("><span>").Append(t.Private).Append("</span></label>")
            .Append("<button type=\"submit\">").Append(t.Submit).Append("</button></form>");
    }

    private static void AppendField(StringBuilder html, PageStrings t, Field field, string? value, string? error, bool focus)
    {
        var id = "f-" + field.Name;
        html.Append("<div class=\"f\"><label for=\"").Append(id).Append("\">").Append(t.LabelOf(field.Name));
        if (field.Optional) html.Append(" <span class=\"opt\">").Append(t.Optional).Append("</span>");
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
                html.Append("<select").Append(attributes).Append("><option value=\"\">").Append(t.Choose).Append("</option>");
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

    /// <summary>
    /// Where the visitor came from (the page address's <c>source</c>, <c>utm_*</c> and <c>ref</c>, or a refused post's
    /// fields), as hidden fields the form posts along. Only values that pass the rules: a mangled link must not cost
    /// the visitor their signature.
    /// </summary>
    private static void AppendSources(StringBuilder html, SignatureSources? sources)
    {
        if (SignatureSources.Validate(sources, []) is not { } valid) return;
        void Hidden(string name, string? value)
        {
            if (value is not null) html.Append("<input type=\"hidden\" name=\"").Append(name).Append("\" value=\"").Append(Encode(value)).Append("\">");
        }
        Hidden(SignatureSources.SourceField, valid.Source);
        Hidden(SignatureSources.UtmSourceField, valid.UtmSource);
        Hidden(SignatureSources.UtmMediumField, valid.UtmMedium);
        Hidden(SignatureSources.UtmCampaignField, valid.UtmCampaign);
        Hidden(SignatureSources.ReferrerField, valid.Referrer);
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
