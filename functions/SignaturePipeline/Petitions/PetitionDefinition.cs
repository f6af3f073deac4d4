using SignaturePipeline.Signatures;

namespace SignaturePipeline.Petitions;

/// <summary>The body of <c>PUT /api/admin/petitions/{id}</c>, as an organizer's tool sends it.</summary>
public sealed record PetitionDefinition
{
    public string? Title { get; init; }
    public string? Letter { get; init; }
    public List<TargetDefinition>? Targets { get; init; }
    public List<string>? Organizers { get; init; }
    public int? Goal { get; init; }
    public List<int>? Milestones { get; init; }
    public string? Status { get; init; }
    public List<string>? AllowedOrigins { get; init; }
    public string? ThankYouUrl { get; init; }

    /// <summary>Email confirmation before counting. Left out: true for a new petition, unchanged for an existing one.</summary>
    public bool? RequireConfirmation { get; init; }

    /// <summary>Webhooks (see <see cref="WebhookDefinition"/>). Left out: the stored ones stay; an empty list removes them.</summary>
    public List<WebhookDefinition>? Webhooks { get; init; }

    /// <summary><paramref name="Names"/>: "all" (the default: every signer but those who asked not to be named) or "none".</summary>
    public sealed record TargetDefinition(string? Kind, string? Name, string? Email, string? State, string? Names = null);

    public const int MaxTitleLength = 200;
    public const int MaxLetterLength = 20_000;

    /// <summary>Checks every field and returns the petition to store, or the errors an admin tool can show.</summary>
    /// <remarks><paramref name="webhookRules"/>: what webhooks need from the host; without it, a definition with webhooks is refused.</remarks>
    public IReadOnlyList<FieldError> Validate(string id, DateTimeOffset now, Petition? existing, out Petition? petition, WebhookRules? webhookRules = null)
    {
        var errors = new List<FieldError>();
        petition = null;
        if (!PetitionIds.IsValid(id))
            errors.Add(new("id", "id_invalid", "Use 1-64 lower-case letters, digits and hyphens for the petition id."));

        var title = Text.Normalize(Title);
        if (title.Length == 0) errors.Add(new("title", "title_required", "Give the petition a title."));
        else if (title.Length > MaxTitleLength) errors.Add(new("title", "title_too_long", $"Keep the title under {MaxTitleLength} characters."));

        var letter = Text.NormalizeMultiline(Letter);
        if (letter.Length == 0) errors.Add(new("letter", "letter_required", "Write the letter the targets will receive."));
        else if (letter.Length > MaxLetterLength) errors.Add(new("letter", "letter_too_long", $"Keep the letter under {MaxLetterLength:N0} characters."));

        var targets = new List<PetitionTarget>();
        if (Targets is null || Targets.Count == 0)
            errors.Add(new("targets", "targets_required", "Name at least one target: a governor, the President, or a custom recipient."));
        else
        {
            for (var i = 0; i < Targets.Count; i++)
            {
                var target = ValidateTarget(Targets[i], $"targets[{i}]", errors);
                if (target is not null) targets.Add(target);
            }
            if (targets.GroupBy(t => t.Id).Any(g => g.Count() > 1))
                errors.Add(new("targets", "targets_duplicate", "Each target can appear only once."));
        }

        var organizers = new List<string>();
        if (Organizers is null || Organizers.Count == 0)
            errors.Add(new("organizers", "organizers_required", "List at least one organizer email, for milestone and delivery notices."));
        else
            foreach (var organizer in Organizers)
            {
                if (CanonicalEmail.TryNormalize(organizer, out var email)) organizers.Add(email);
                else errors.Add(new("organizers", "organizer_email_invalid", $"'{Truncate(organizer)}' is not a valid email address."));
            }

        if (Goal is null or < 1) errors.Add(new("goal", "goal_invalid", "Set a goal of at least 1 signature."));
        var milestones = (Milestones ?? []).Distinct().Order().ToList();
        if (milestones.Any(m => m < 1)) errors.Add(new("milestones", "milestones_invalid", "Milestones must be positive whole numbers."));

        PetitionStatus status = PetitionStatus.Open;
        if (Status is not null && !Enum.TryParse(Status, ignoreCase: true, out status) || !Enum.IsDefined(status))
            errors.Add(new("status", "status_invalid", "Status must be open, closed or won."));

        var origins = new List<string>();
        foreach (var origin in AllowedOrigins ?? [])
        {
            if (origin == "*") { origins.Add(origin); continue; }
            if (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
                && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && !origin.EndsWith('/'))
                origins.Add(uri.GetLeftPart(UriPartial.Authority));
            else
                errors.Add(new("allowedOrigins", "origin_invalid", $"'{Truncate(origin)}' is not an origin. Use the form https://www.example.org, with no path."));
        }

        if (ThankYouUrl is not null && !(Uri.TryCreate(ThankYouUrl, UriKind.Absolute, out var thanks) && (thanks.Scheme == Uri.UriSchemeHttps || thanks.Scheme == Uri.UriSchemeHttp)))
            errors.Add(new("thankYouUrl", "thank_you_url_invalid", "The thank-you URL must be an absolute http or https address."));

        var webhooks = Webhooks is null ? existing?.Webhooks ?? []
            : WebhookDefinition.Validate(Webhooks, existing?.Webhooks ?? [], webhookRules, now, errors);

        if (errors.Count > 0) return errors;
        petition = new Petition
        {
            Id = id,
            Title = title,
            Letter = letter,
            Targets = targets,
            Organizers = organizers,
            Goal = Goal!.Value,
            Milestones = milestones,
            Status = status,
            AllowedOrigins = origins,
            ThankYouUrl = ThankYouUrl,
            RequireConfirmation = RequireConfirmation ?? existing?.RequireConfirmation ?? true,
            Webhooks = webhooks,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
            // A petition stored closed before this was recorded: its last edit is the best bound on when it closed.
            ClosedAt = status == PetitionStatus.Open ? null : existing is { IsOpen: false } ? existing.ClosedAt ?? existing.UpdatedAt : now,
        };
        return errors;
    }

    private static PetitionTarget? ValidateTarget(TargetDefinition definition, string field, List<FieldError> errors)
    {
        if (!Enum.TryParse<TargetKind>(definition.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
        {
            errors.Add(new(field + ".kind", "target_kind_invalid", "A target's kind must be governor, president or custom."));
            return null;
        }
        var name = Text.Normalize(definition.Name);
        var ok = true;
        if (name.Length is 0 or > 200) { errors.Add(new(field + ".name", "target_name_invalid", "Give the target a name (up to 200 characters).")); ok = false; }
        if (!CanonicalEmail.TryNormalize(definition.Email, out var email)) { errors.Add(new(field + ".email", "target_email_invalid", "Give the target a valid delivery email address.")); ok = false; }
        string? state = null;
        if (!string.IsNullOrWhiteSpace(definition.State))
        {
            if (UsStates.TryNormalize(definition.State, out var code)) state = code;
            else { errors.Add(new(field + ".state", "target_state_invalid", "Use a two-letter USPS state code.")); ok = false; }
        }
        if (kind == TargetKind.Governor && state is null && ok) { errors.Add(new(field + ".state", "target_state_required", "A governor target needs the state they govern.")); ok = false; }
        if (kind == TargetKind.President && state is not null) { errors.Add(new(field + ".state", "target_state_not_allowed", "The President receives every signer; leave the state empty.")); ok = false; }
        var names = TargetNames.All;
        if (definition.Names is not null && !(Enum.TryParse(definition.Names, ignoreCase: true, out names) && Enum.IsDefined(names) && !definition.Names.Any(char.IsDigit)))
        {
            errors.Add(new(field + ".names", "target_names_invalid", "A target's names must be \"all\" (every signer who agreed to be named) or \"none\" (the totals only)."));
            ok = false;
        }
        return ok ? new PetitionTarget(kind, name, email, state) { Names = names } : null;
    }

    private static string Truncate(string? value) => value is null ? "" : value.Length > 60 ? value[..60] + "…" : value;
}
