using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SignaturePipeline.Email;

public static class EmailServiceCollectionExtensions
{
    /// <summary>
    /// The email layer: options from <c>Email__*</c>, the three transports, and <see cref="IEmailTransport"/> chosen by
    /// <c>Email__Transport</c>. A test swaps the transport by registering its own <see cref="IEmailTransport"/> afterwards.
    /// </summary>
    public static IServiceCollection AddEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<PickupDirectoryTransport>();
        services.AddSingleton<SmtpEmailTransport>();
        // The deployed app runs as a user-assigned identity named by AZURE_CLIENT_ID; ACS tokens should come from the same one.
        services.AddSingleton(sp => new AcsEmailTransport(
            sp.GetRequiredService<IOptions<EmailOptions>>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AcsEmailTransport>>(), configuration["AZURE_CLIENT_ID"]));
        services.AddSingleton<IEmailTransport>(sp => sp.GetRequiredService<IOptions<EmailOptions>>().Value.NormalizedTransport switch
        {
            EmailTransports.Smtp => sp.GetRequiredService<SmtpEmailTransport>(),
            EmailTransports.Acs => sp.GetRequiredService<AcsEmailTransport>(),
            _ => sp.GetRequiredService<PickupDirectoryTransport>(),
        });
        services.AddSingleton<EmailSender>();
        return services;
    }
}
