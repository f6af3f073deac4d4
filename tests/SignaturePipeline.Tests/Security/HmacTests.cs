using Microsoft.Extensions.Options;
using SignaturePipeline.Security;

namespace SignaturePipeline.Tests.Security;

public sealed class HmacTests
{
    private const string Secret = "pinned-deployment-secret-0001";

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset Rotation = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static Hmac Keys(int version = 1, DateTimeOffset? previousUntil = null, TimeProvider? clock = null) =>
        new(Options.Create(new PipelineOptions { SecretKey = Secret, TokenKeyVersion = version, PreviousTokenKeyUntil = previousUntil }), clock ?? TimeProvider.System);

    [Fact]
    public void The_dedupe_key_is_exactly_what_the_single_secret_gave_so_stored_signers_keep_matching()
    {
        // HMAC-SHA256(secret, "signature\n{petition}\n{canonical email}"), as every stored signature row key was made.
        Assert.Equal("a9ab0d51eb1d4e75e06e6d7719d324eb339e705282c833811992e5490f9b364d",
            Convert.ToHexStringLower(Keys().SignatureKey("petition-x", "ana@example.org")));
        Assert.Equal(Keys().SignatureKey("petition-x", "ana@example.org"), Keys(version: 7).SignatureKey("petition-x", "ana@example.org"));
    }

    [Fact]
    public void Each_purpose_has_its_own_key_and_a_token_rotation_changes_only_the_tokens()
    {
        var v1 = Keys();
        var v2 = Keys(version: 2);
        Assert.Equal(v1.IpHash("203.0.113.9"), v2.IpHash("203.0.113.9"));
        Assert.NotEqual(v1.Tag("token-remove", "body", 16), v2.Tag("token-remove", "body", 16));
        // Neither the IP key nor the token key is the dedupe secret.
        Assert.NotEqual("263480fd0c6191a37607b8f49634a5f8", v1.Tag("token-remove", "body.1.2", 16));
        Assert.NotEqual(Convert.ToHexStringLower(Keys().SignatureKey("x", "y"))[..32], v1.IpHash("y"));
    }

    [Fact]
    public void Links_emailed_before_keys_were_split_still_verify_at_version_1()
    {
        // A removal tag made with the single secret: HMAC-SHA256(secret, "token-remove\nbody.1.2"), first 16 bytes.
        Assert.True(Keys().IsTag("token-remove", "body.1.2", 16, "263480fd0c6191a37607b8f49634a5f8"));
        Assert.False(Keys().IsTag("token-confirm", "body.1.2", 16, "263480fd0c6191a37607b8f49634a5f8"));
    }

    [Fact]
    public void After_a_rotation_the_previous_key_is_accepted_only_within_its_window()
    {
        var old = Keys().Tag("token-confirm", "body", 16);
        var clock = new Clock(Rotation);
        var rotated = Keys(version: 2, previousUntil: Rotation.AddDays(3), clock: clock);
        Assert.True(rotated.IsTag("token-confirm", "body", 16, old));
        Assert.True(rotated.IsTag("token-confirm", "body", 16, rotated.Tag("token-confirm", "body", 16)));
        clock.Now = Rotation.AddDays(3);
        Assert.False(rotated.IsTag("token-confirm", "body", 16, old));
        Assert.True(rotated.IsTag("token-confirm", "body", 16, rotated.Tag("token-confirm", "body", 16)));

        Assert.False(Keys(version: 2).IsTag("token-confirm", "body", 16, old));
        Assert.False(Keys(version: 3, previousUntil: Rotation.AddDays(3), clock: new Clock(Rotation)).IsTag("token-confirm", "body", 16, old));
    }
}
