using SignaturePipeline.Petitions;

namespace SignaturePipeline.Milestones;

/// <summary>Which supporter counts are milestones, and which one an email should name. Pure rules, no storage.</summary>
public static class MilestonePolicy
{
    /// <summary>1-2.5-5 steps from 100: round numbers an organizer would announce, about three per tenfold.</summary>
    public static IReadOnlyList<int> DefaultLadder { get; } = BuildLadder();

    private static List<int> BuildLadder()
    {
        var ladder = new List<int>();
        for (long decade = 100; decade <= int.MaxValue; decade *= 10)
            foreach (var step in new[] { decade, decade * 5 / 2, decade * 5 })
                if (step <= int.MaxValue) ladder.Add((int)step);
        return ladder;
    }

    /// <summary>The petition's own milestones, or the default ladder when it has none; its goal always counts.</summary>
    public static IReadOnlyList<int> ThresholdsOf(Petition petition)
    {
        var own = petition.Milestones.Count > 0 ? petition.Milestones : DefaultLadder;
        return own.Append(petition.Goal).Where(t => t > 0).Distinct().Order().ToList();
    }

    public static IReadOnlyList<int> Crossed(IReadOnlyList<int> thresholds, long count) => thresholds.Where(t => t <= count).ToList();

    /// <summary>
    /// What to do with the recorded milestones. Only the highest pending milestone above everything already
    /// emailed gets an email: several crossed at once make one email naming the highest. A pending milestone
    /// below one already emailed is covered by that email and never gets its own.
    /// </summary>
    public static MilestoneDecision Decide(IEnumerable<MilestoneRecord> records)
    {
        var list = records.ToList();
        var highestSent = list.Where(r => r.State == MilestoneState.Sent).Select(r => (int?)r.Threshold).Max();
        var pending = list.Where(r => r.State == MilestoneState.Pending).OrderBy(r => r.Threshold).ToList();
        var cover = pending.Where(r => r.Threshold < highestSent).ToList();
        var email = pending.LastOrDefault(r => highestSent is null || r.Threshold > highestSent);
        return new MilestoneDecision(email, cover, highestSent);
    }
}

public sealed record MilestoneDecision(MilestoneRecord? Email, IReadOnlyList<MilestoneRecord> CoverNow, int? HighestSent);
