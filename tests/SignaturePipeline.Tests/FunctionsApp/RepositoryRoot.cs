namespace SignaturePipeline.Tests.FunctionsApp;

internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SignaturePipeline.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root not found.");
    }
}
