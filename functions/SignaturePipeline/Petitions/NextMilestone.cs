namespace SignaturePipeline.Petitions;

/// <summary>
/// The number a progress bar counts toward. A bar that sits at 2% of a distant goal discourages signers;
/// one that is always a short step from the next round number keeps them sharing, so the target is the
/// nearest of a fixed ladder (100, 250, 500, 1,000, 2,500, 5,000, …) and the petition's own goal.
/// The embed script (Embed/embed.js in the Web project) repeats this rule; keep the two in step.
/// </summary>
public static class NextMilestone
{
    public static long For(long count, long goal)
    {
        var best = goal > count ? goal : long.MaxValue;
        for (long decade = 100; decade <= long.MaxValue / 10; decade *= 10)
            foreach (var step in (ReadOnlySpan<long>)[decade, decade * 5 / 2, decade * 5])
                if (step > count) return Math.Min(step, best);
        return best == long.MaxValue ? count + 1 : best;
    }
}
