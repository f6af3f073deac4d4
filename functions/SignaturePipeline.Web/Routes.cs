namespace SignaturePipeline.Web;

/// <summary>
/// The catalogue of HTTP routes, read by both hosts: the Functions app's <c>[HttpTrigger(Route = …)]</c> attributes
/// (which need constants) and the local host's <see cref="WebServiceCollectionExtensions.MapSignaturePipeline"/>.
/// A new route is an entry here, its mapping there, its adapter in the Functions app and its row in the README, and
/// the tests compare all of them through the metadata the Functions build generates.
/// Routes spell "api/" themselves: host.json's routePrefix is empty so that pages live outside it (host.json.md).
/// Every route under <see cref="AdminPrefix"/> needs the admin key, and only those.
/// </summary>
public static class Routes
{
    public const string AdminPrefix = "api/admin/";

    public const string Signatures = "api/petitions/{petitionId}/signatures";
    public const string Petition = "api/petitions/{petitionId}";
    public const string Petitions = "api/petitions";
    public const string Receipt = "api/receipts/{receiptId}";
    public const string EmbedScript = "api/embed.js";

    public const string PetitionPage = "petitions/{petitionId}";
    public const string ThankYouPage = "petitions/{petitionId}/thanks";
    public const string Confirm = "petitions/{petitionId}/confirm";
    public const string ResendConfirmation = "petitions/{petitionId}/confirm/resend";
    public const string Remove = "petitions/{petitionId}/remove";
    public const string Unsubscribe = "petitions/{petitionId}/unsubscribe";

    public const string AdminPetition = AdminPrefix + "petitions/{petitionId}";
    public const string Outcomes = AdminPrefix + "petitions/{petitionId}/outcomes";
    public const string Health = AdminPrefix + "health";
    public const string PoisonRedrive = AdminPrefix + "poison/redrive";
    public const string Recount = AdminPrefix + "petitions/{petitionId}/recount";
    public const string RestoreBackup = AdminPrefix + "backups/{backupId}/restore";
    public const string Held = AdminPrefix + "petitions/{petitionId}/held";
    public const string ReleaseHeld = AdminPrefix + "petitions/{petitionId}/held/release";
    public const string InvalidateHeld = AdminPrefix + "petitions/{petitionId}/held/invalidate";
    public const string Invalidate = AdminPrefix + "petitions/{petitionId}/invalidate";
    public const string RevertInvalidation = AdminPrefix + "petitions/{petitionId}/invalidations/{invalidationId}/revert";
    public const string Erase = AdminPrefix + "petitions/{petitionId}/erase";
    public const string ExportSignatures = AdminPrefix + "petitions/{petitionId}/signatures.csv";
    public const string Anonymise = AdminPrefix + "petitions/{petitionId}/anonymise";
    public const string Deliveries = AdminPrefix + "petitions/{petitionId}/deliveries";
    public const string Sources = AdminPrefix + "petitions/{petitionId}/sources";
    public const string WebhookFailures = AdminPrefix + "petitions/{petitionId}/webhooks/failures";
    public const string ResendWebhookFailures = AdminPrefix + "petitions/{petitionId}/webhooks/failures/resend";
    public const string Updates = AdminPrefix + "petitions/{petitionId}/updates";
    public const string Update = AdminPrefix + "petitions/{petitionId}/updates/{updateId}";

    // The organizers' console: anonymous at the platform, every route checks the console session itself (OrganizerConsole/).
    public const string Console = "console";
    public const string ConsoleSignIn = "console/signin";
    public const string ConsoleSession = "console/session";
    public const string ConsoleOperator = "console/operator";
    public const string ConsoleSignOut = "console/signout";
    public const string ConsoleAsset = "console/assets/{name}";
    public const string ConsolePetitions = "api/console/petitions";
    public const string ConsolePetition = "api/console/petitions/{petitionId}";
    public const string ConsoleHeld = "api/console/petitions/{petitionId}/held";
    public const string ConsoleReleaseHeld = "api/console/petitions/{petitionId}/held/release";
    public const string ConsoleInvalidateHeld = "api/console/petitions/{petitionId}/held/invalidate";
    public const string ConsoleExport = "api/console/petitions/{petitionId}/signatures.csv";
    public const string ConsoleUpdates = "api/console/petitions/{petitionId}/updates";
    public const string ConsoleSources = "api/console/petitions/{petitionId}/sources";
    public const string ConsoleDeliveryFile = "api/console/petitions/{petitionId}/deliveries/{targetId}/{week}/{file}";

    /// <summary>
    /// <c>/</c>, the landing page. A Functions route cannot be empty (an empty route means the function's name), so it is a
    /// catch-all, which the router tries after every other route: only addresses no other route serves reach it, and it
    /// answers 404 for all but the root. With routePrefix "" the host's own home page would answer <c>/</c> first, so the
    /// app sets <c>AzureWebJobsDisableHomepage=true</c> ("Set to true to disable the default landing page shown for the root
    /// of the Azure Functions site": https://github.com/Azure/azure-functions-host/wiki/Configuration-Settings).
    /// </summary>
    public const string Landing = "{*path}";
}
