using System.ComponentModel.DataAnnotations;

namespace SignaturePipeline.OrganizerConsole;

/// <summary>Settings under <c>Console__*</c>: the organizers' console's sign-in links, sessions and sign-in rate limits.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>How long an emailed sign-in link works. Short: the email may sit in a shared or forwarded mailbox.</summary>
    [Range(1, 60)]
    public int SignInLinkMinutes { get; set; } = 15;

    /// <summary>How long a console session lasts: a working day, then the organizer asks for a new link.</summary>
    [Range(1, 24)]
    public int SessionHours { get; set; } = 12;

    /// <summary>Sign-in requests per address per hour: enough to retry a lost email, too few to mail-bomb an organizer.</summary>
    [Range(1, 1000)]
    public int MaxSignInsPerAddressPerHour { get; set; } = 5;

    /// <summary>Sign-in requests (links and operator keys) per client IP per hour.</summary>
    [Range(1, 100_000)]
    public int MaxSignInsPerIpPerHour { get; set; } = 30;
}
