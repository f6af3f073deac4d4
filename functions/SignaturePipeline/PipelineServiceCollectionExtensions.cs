using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SignaturePipeline.Abuse;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Email;
using SignaturePipeline.Intake;
using SignaturePipeline.Milestones;
using SignaturePipeline.Operations;
using SignaturePipeline.OrganizerConsole;
using SignaturePipeline.Petitions;
using SignaturePipeline.Privacy;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;
using SignaturePipeline.Timers;
using SignaturePipeline.Webhooks;
using SignaturePipeline.Updates;

namespace SignaturePipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// The one registration of the pipeline. The Functions app, the local host, the benchmark and the
    /// integration tests all call this; tests swap only what leaves the machine.
    /// </summary>
    public static IServiceCollection AddSignaturePipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.Section))
            .PostConfigure(o => o.PublicBaseUrl = PipelineOptions.PublicBaseUrlOrPlatformDefault(o.PublicBaseUrl, configuration[PipelineOptions.PlatformHostNameSetting]))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);

        var storage = StorageConnection.FromConfiguration(configuration);
        services.AddSingleton(storage);
        services.AddSingleton(_ => storage.CreateTableServiceClient());
        services.AddSingleton(_ => storage.CreateQueueServiceClient());
        services.AddSingleton(_ => storage.CreateBlobServiceClient());
        services.AddHostedService<StorageInitializer>();

        services.AddSingleton<Hmac>();
        services.AddSingleton<ReferralCodes>();
        services.AddSingleton<PetitionSourcesHandler>();
        services.AddSingleton<PetitionStore>();
        services.AddSingleton<PetitionHandlers>();
        services.AddSingleton<PetitionCountCache>();
        services.AddSingleton<SignatureStore>();
        services.AddSingleton<ReceiptStore>();
        services.AddSingleton<SignatureEnqueuer>();
        services.AddSingleton<SubmitSignatureHandler>();
        services.AddSingleton<SignatureProcessor>();
        services.AddSingleton<FailureLog>();
        services.AddSingleton<TimerRunLog>();
        services.AddSingleton<OperationsHandlers>();
        services.AddEmail(configuration).AddSingleton<MilestoneStore>().AddSingleton<MilestoneNotifier>();

        services.AddOptions<ConfirmationOptions>().Bind(configuration.GetSection(ConfirmationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AbuseOptions>().Bind(configuration.GetSection(AbuseOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.Captcha == "none" || !string.IsNullOrWhiteSpace(o.CaptchaSecret), "Abuse:CaptchaSecret is required when Abuse:Captcha is turnstile or hcaptcha.")
            .Validate(o => CanonicalEmailRules.TryFromSettings(o.DomainAliases, o.PlusTagDomains, o.DotInsensitiveDomains, out _),
                "Abuse:DomainAliases (alias.example=mailbox.example,…), Abuse:PlusTagDomains or Abuse:DotInsensitiveDomains is malformed.")
            .ValidateOnStart();
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(CaptchaVerifier.HttpClientName);
        services.AddSingleton(sp =>
        {
            var abuse = sp.GetRequiredService<IOptions<AbuseOptions>>().Value;
            return CanonicalEmailRules.FromSettings(abuse.DomainAliases, abuse.PlusTagDomains, abuse.DotInsensitiveDomains);
        });
        services.AddSingleton<AbuseGuard>();
        services.AddSingleton<CaptchaVerifier>();
        services.AddSingleton<DisposableDomains>();
        services.AddSingleton<InvalidationLog>();
        services.AddSingleton<ReviewHandlers>();
        services.AddSingleton<SignerMailQuota>();
        services.AddSingleton<SignerMailer>();
        services.AddSingleton<SignerMailDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<SignerMailDispatcher>());
        services.AddSingleton<ConfirmationHandler>();
        services.AddSingleton<PrivacyHandlers>();
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeliveryStore>().AddSingleton<SignerFeed>().AddSingleton<DeliveryFiles>().AddSingleton<DeliveryCompiler>();

        services.AddWebhooks(configuration);
        AddTimerJob(services, PipelineTimers.DispatchWebhooks, (sp, ct) => sp.GetRequiredService<WebhookDispatcher>().RunAsync(ct));
        services.AddOptions<UpdateOptions>().Bind(configuration.GetSection(UpdateOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<UpdateStore>().AddSingleton<UpdateFanOut>().AddSingleton<UpdateHandlers>();

        AddTimerJob(services, PipelineTimers.SendMilestoneEmails, (sp, ct) => sp.GetRequiredService<MilestoneNotifier>().RunAsync(ct));
        AddTimerJob(services, PipelineTimers.SendSignerEmails, (sp, ct) => sp.GetRequiredService<SignerMailer>().SweepAsync(ct));
        AddTimerJob(services, PipelineTimers.AnonymiseClosedPetitions, (sp, ct) => sp.GetRequiredService<PrivacyHandlers>().RunRetentionAsync(ct));
        AddTimerJob(services, PipelineTimers.CompileWeeklyDeliveries, (sp, ct) => sp.GetRequiredService<DeliveryCompiler>().RunAsync(ct));
        AddTimerJob(services, PipelineTimers.FinishDeliveries, (sp, ct) => sp.GetRequiredService<DeliveryCompiler>().FinishAsync(ct));
        services.AddOptions<ConsoleOptions>().Bind(configuration.GetSection(ConsoleOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ConsoleTokens>().AddSingleton<ConsoleSignIn>().AddSingleton<ConsoleHandlers>().AddHostedService<OrganizerIndexBackfill>();
        services.AddSingleton<TableBackup>();
        AddTimerJob(services, PipelineTimers.BackupTables, (sp, ct) => sp.GetRequiredService<TableBackup>().ExportAsync(ct));
        return services;
    }

    private static void AddTimerJob(IServiceCollection services, string name, Func<IServiceProvider, CancellationToken, Task> run) =>
        services.AddSingleton(new TimerJob(PipelineTimers.Get(name), run));
}
