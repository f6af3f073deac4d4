using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Email;
using SignaturePipeline.Milestones;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

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
        services.AddSingleton<PetitionStore>();
        services.AddSingleton<PetitionHandlers>();
        services.AddSingleton<SignatureStore>();
        services.AddSingleton<ReceiptStore>();
        services.AddSingleton<SignatureEnqueuer>();
        services.AddSingleton<SubmitSignatureHandler>();
        services.AddSingleton<SignatureProcessor>();
        services.AddSingleton<Operations.TimerRunLog>();
        services.AddSingleton<Operations.OperationsHandlers>();
        services.AddEmail(configuration).AddSingleton<MilestoneStore>().AddSingleton<MilestoneNotifier>();

        // Issue 8: confirmation by email, abuse resistance, signers' privacy.
        services.AddOptions<Confirmation.ConfirmationOptions>().Bind(configuration.GetSection(Confirmation.ConfirmationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Abuse.AbuseOptions>().Bind(configuration.GetSection(Abuse.AbuseOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.Captcha == "none" || !string.IsNullOrWhiteSpace(o.CaptchaSecret), "Abuse:CaptchaSecret is required when Abuse:Captcha is turnstile or hcaptcha.")
            .Validate(o => CanonicalEmailRules.TryFromSettings(o.DomainAliases, o.PlusTagDomains, o.DotInsensitiveDomains, out _),
                "Abuse:DomainAliases (alias.example=mailbox.example,…), Abuse:PlusTagDomains or Abuse:DotInsensitiveDomains is malformed.")
            .ValidateOnStart();
        services.AddOptions<Privacy.PrivacyOptions>().Bind(configuration.GetSection(Privacy.PrivacyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(Abuse.CaptchaVerifier.HttpClientName);
        services.AddSingleton(sp =>
        {
            var abuse = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Abuse.AbuseOptions>>().Value;
            return CanonicalEmailRules.FromSettings(abuse.DomainAliases, abuse.PlusTagDomains, abuse.DotInsensitiveDomains);
        });
        services.AddSingleton<Abuse.AbuseGuard>();
        services.AddSingleton<Abuse.CaptchaVerifier>();
        services.AddSingleton<Abuse.DisposableDomains>();
        services.AddSingleton<Abuse.ReviewHandlers>();
        services.AddSingleton<Confirmation.SignerMailer>();
        services.AddSingleton<Confirmation.ConfirmationHandler>();
        services.AddSingleton<Privacy.PrivacyHandlers>();
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeliveryStore>().AddSingleton<SignerFeed>().AddSingleton<DeliveryFiles>().AddSingleton<DeliveryCompiler>();
        return services;
    }
}
