using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SignaturePipeline.Petitions;
using SignaturePipeline.Security;

namespace SignaturePipeline.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>Webhooks: options, the store, dispatch and delivery, and the one HTTP client they are sent through.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton(sp => new WebhookRules(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowLoopback, sp.GetRequiredService<WebhookSecrets>()));
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<WebhookEventLog>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookFailures>();
        services.AddSingleton<IWebhookResolver, DnsWebhookResolver>();
        services.AddHttpClient(WebhookHttp.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var o = sp.GetRequiredService<IOptions<WebhookOptions>>().Value;
                return WebhookHttp.CreateHandler(sp.GetRequiredService<IWebhookResolver>(), o.AllowLoopback, TimeSpan.FromSeconds(o.ConnectTimeoutSeconds));
            });
        return services;
    }
}
