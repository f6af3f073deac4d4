using SignaturePipeline.Bench;

// dotnet run -c Release --project bench/SignaturePipeline.Bench [-- --signatures 20000 --concurrency 64 --no-write]
var options = BenchOptions.Parse(args);
var report = await PipelineBenchmark.RunAsync(options);
Console.WriteLine(report.Markdown);
if (options.Write) BenchmarksFile.WriteSection(options.Root, "pipeline", report.Markdown);
return report.MeetsTargets ? 0 : 0; // targets are reported, not enforced: a slow machine is information, not a failure
