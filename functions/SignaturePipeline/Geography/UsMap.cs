using System.Text.Json;

namespace SignaturePipeline.Geography;

/// <summary>One state's outline: its USPS code, its name, and SVG path data in <see cref="UsMap.ViewBox"/> coordinates.</summary>
public sealed record UsStateShape(string Code, string Name, string Path);

/// <summary>
/// The outlines of the 50 states and DC, for the console's map and the delivery PDF's. The data is
/// <c>usa-states.json</c>, generated from the npm package <c>@svg-maps/usa</c> 2.0.0 by <c>generate-usa-states.mjs</c> (see
/// README, "Map data") and embedded, so nothing reads node_modules at run time.
/// </summary>
public static class UsMap
{
    public const string Attribution = "State outlines: @svg-maps/usa 2.0.0 by Victor Cazanave, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)";

    private sealed record Data(string ViewBox, List<UsStateShape> States);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Lazy<Data> Loaded = new(() =>
    {
        using var stream = typeof(UsMap).Assembly.GetManifestResourceStream("SignaturePipeline.Geography.usa-states.json")
            ?? throw new InvalidOperationException("usa-states.json is not embedded in the library.");
        return JsonSerializer.Deserialize<Data>(stream, Json)
            ?? throw new InvalidOperationException("usa-states.json is empty.");
    });

    /// <summary>The SVG viewBox the paths are drawn in: "minX minY width height".</summary>
    public static string ViewBox => Loaded.Value.ViewBox;

    public static IReadOnlyList<UsStateShape> States => Loaded.Value.States;
}
