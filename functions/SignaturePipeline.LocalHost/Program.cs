using SignaturePipeline.LocalHost;

await LocalHostApp.Build(args).RunAsync().ConfigureAwait(false);
