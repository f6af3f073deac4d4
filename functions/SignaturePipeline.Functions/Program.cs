using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using SignaturePipeline.Functions;

FunctionsApplication.CreateBuilder(args).AddSignaturePipelineWorker().Build().Run();
