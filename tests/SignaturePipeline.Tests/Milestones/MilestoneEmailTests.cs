using SignaturePipeline.Milestones;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Tests.Milestones;

public sealed class MilestoneEmailTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static MilestoneFacts Facts(
        Petition? petition = null, int threshold = 1_000, long count = 1_234, RecentSignatures? recent = null,
        IReadOnlyList<SupporterComment>? comments = null, IReadOnlyDictionary<string, long>? byState = null) => new(
        petition ?? MilestonePolicyTests.Petition(goal: 5_000),
        threshold,
        count,
        byState ?? new Dictionary<string, long> { ["NY"] = 700, ["CA"] = 400, ["TX"] = 134 },
        recent,
        comments ?? [],
        new Uri("https://petitions.example.org/petitions/p"),
        Now);

    [Fact]
    public void The_email_names_the_threshold_the_exact_count_the_top_states_and_the_link()
    {
        var email = MilestoneEmail.Render(Facts(recent: new RecentSignatures(321, Now.AddHours(-24), FullDay: true)));
        Assert.Equal(["organizer@example.org"], email.To);
        Assert.Equal("“A petition” passed 1,000 supporters", email.Subject);
        foreach (var body in new[] { email.Text, email.Html })
        {
            Assert.Contains("1,234", body, StringComparison.Ordinal);
            Assert.Contains("Signed in the last day (since 2026-11-22 12:00 UTC): 321", body, StringComparison.Ordinal);
            Assert.Contains("https://petitions.example.org/petitions/p", body, StringComparison.Ordinal);
        }
        Assert.Matches(@"NY\s+700\n\s+CA\s+400\n\s+TX\s+134", email.Text);
    }

    [Fact]
    public void Reaching_the_goal_says_so_in_the_subject()
    {
        var email = MilestoneEmail.Render(Facts(threshold: 5_000, count: 5_001));
        Assert.Equal("“A petition” reached its goal of 5,000 supporters", email.Subject);
    }

    [Fact]
    public void Comments_and_titles_are_html_escaped_in_the_html_body_and_kept_verbatim_in_the_text()
    {
        var petition = MilestonePolicyTests.Petition(goal: 5_000) with { Title = "Stop <b>S-Comm</b> & \"friends\"" };
        var comment = new SupporterComment("<script>alert('x')</script> & <img src=x onerror=alert(1)>", "NY", Now.AddMinutes(-5));
        var email = MilestoneEmail.Render(Facts(petition, comments: [comment]));

        Assert.DoesNotContain("<script>", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>S-Comm", email.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;", email.Html, StringComparison.Ordinal);
        Assert.Contains("Stop &lt;b&gt;S-Comm&lt;/b&gt; &amp; &quot;friends&quot;", email.Html, StringComparison.Ordinal);
        Assert.Contains("<script>alert('x')</script>", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Less_than_a_day_of_history_says_since_when()
    {
        var email = MilestoneEmail.Render(Facts(recent: new RecentSignatures(12, Now.AddHours(-3), FullDay: false)));
        Assert.Contains("Signed since 2026-11-23 09:00 UTC: 12 (less than a day of history so far)", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_any_history_the_email_says_it_is_not_known_yet()
    {
        var email = MilestoneEmail.Render(Facts(recent: null));
        Assert.Contains("not known yet", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_five_largest_states_are_listed()
    {
        var byState = new Dictionary<string, long> { ["AK"] = 1, ["CA"] = 9, ["NY"] = 8, ["TX"] = 7, ["WA"] = 6, ["OR"] = 5, ["FL"] = 4 };
        var text = MilestoneEmail.Render(Facts(byState: byState)).Text;
        Assert.Contains("OR  5", text, StringComparison.Ordinal);
        Assert.DoesNotContain("FL  4", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AK  1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_comment_is_shortened_without_splitting_an_emoji()
    {
        var comment = new string('a', MilestoneEmail.MaxCommentLength - 1) + "😀tail";
        var text = MilestoneEmail.Render(Facts(comments: [new SupporterComment(comment, null, Now)])).Text;
        Assert.Contains(new string('a', MilestoneEmail.MaxCommentLength - 1) + "…", text, StringComparison.Ordinal);
        Assert.DoesNotContain("tail", text, StringComparison.Ordinal);
    }
}
