using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SignaturePipeline;
using SignaturePipeline.Web;

var builder = FunctionsApplication.CreateBuilder(args);

// ASP.NET Core integration: HttpRequest in, IResult out, the same types the local host uses.
// Never also call ConfigureFunctionsWorkerDefaults: the two together hang or fail with AZFW0014.
builder.ConfigureFunctionsWebApplication();

builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();

builder.Services.AddSignaturePipeline(builder.Configuration);
builder.Services.AddSignaturePipelineHttp();

builder.Build().Run();
