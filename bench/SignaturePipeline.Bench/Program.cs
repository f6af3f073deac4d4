using SignaturePipeline.Bench;

// dotnet run -c Release --project bench/SignaturePipeline.Bench [-- --signatures 20000 --concurrency 128 --warm-up 5000 --no-write]
// dotnet run -c Release --project bench/SignaturePipeline.Bench -- --delivery 1000000   (one weekly delivery of N signatures)
// dotnet run -c Release --project bench/SignaturePipeline.Bench -- --only reads   (public reads while signatures are counted)
// dotnet run -c Release --project bench/SignaturePipeline.Bench -- --only sources   (what counting by source and referrer costs)
// dotnet run -c Release --project bench/SignaturePipeline.Bench -- --only webhooks   (end to end with a webhook on the petition)
// dotnet run -c Release --project bench/SignaturePipeline.Bench -- --updates 100000   (one update to N signers)
// dotnet run -c Release --project bench/SignaturePipeline.Bench -- --console 1000000   (the console's petition view, N signatures against 10)
var options = BenchOptions.Parse(args);
if (options.Only == "webhooks")
{
    var webhooks = await WebhookBenchmark.RunAsync(options);
    Console.WriteLine(webhooks);
    if (options.Write) BenchmarksFile.WriteSection(options.Root, "webhooks", webhooks);
    return 0;
}
if (options.Only == "reads")
{
    var reads = await ReadBenchmark.RunAsync(options);
    Console.WriteLine(reads);
    if (options.Write) BenchmarksFile.WriteSection(options.Root, "reads", reads);
    return 0;
}
if (options.Only == "sources")
{
    var sources = await SourcesBenchmark.RunAsync(options);
    Console.WriteLine(sources);
    if (options.Write) BenchmarksFile.WriteSection(options.Root, "sources", sources);
    return 0;
}
if (options.Updates > 0)
{
    var updates = await UpdateBenchmark.RunAsync(options);
    Console.WriteLine(updates);
    if (options.Write) BenchmarksFile.WriteSection(options.Root, "updates", updates);
    return 0;
}
if (options.Console > 0)
{
    var view = await ConsoleBenchmark.RunAsync(options);
    Console.WriteLine(view);
    if (options.Write) BenchmarksFile.WriteSection(options.Root, "console", view);
    return 0;
}
if (options.Delivery > 0)
{
    var delivery = await DeliveryBenchmark.RunAsync(options);
    Console.WriteLine(delivery);
    if (options.Write) BenchmarksFile.WriteSection(options.Root, "delivery", delivery);
    return 0;
}
var report = await PipelineBenchmark.RunAsync(options);
Console.WriteLine(report.Markdown);
if (options.Write) BenchmarksFile.WriteSection(options.Root, "pipeline", report.Markdown);
return report.MeetsTargets ? 0 : 0; // targets are reported, not enforced: a slow machine is information, not a failure
