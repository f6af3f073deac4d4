using Microsoft.Extensions.Options;
using SignaturePipeline.Security;

namespace SignaturePipeline.Tests.Security;

public sealed class ReferralCodesTests
{
    private static ReferralCodes Codes(string secret = "pinned-deployment-secret-0001", int tokenKeyVersion = 1) =>
        new(new Hmac(Options.Create(new PipelineOptions { SecretKey = secret, TokenKeyVersion = tokenKeyVersion }), TimeProvider.System));

    [Fact]
    public void A_receipt_always_gives_the_same_short_lower_case_code_that_this_deployment_recognises()
    {
        var code = Codes().Of("0190f3c2-receipt-1");
        Assert.Equal(code, Codes().Of("0190f3c2-receipt-1"));
        Assert.Matches("^[a-z2-7]{16}$", code);
        Assert.True(ReferralCodes.IsWellFormed(code));
        Assert.True(Codes().IsIssued(code));
        Assert.NotEqual(code, Codes().Of("0190f3c2-receipt-2"));
    }

    [Fact]
    public void Rotating_the_link_token_key_keeps_every_shared_code_valid()
    {
        Assert.Equal(Codes().Of("receipt"), Codes(tokenKeyVersion: 5).Of("receipt"));
    }

    [Fact]
    public void A_code_this_deployment_never_issued_is_not_recognised_though_it_has_the_shape()
    {
        var code = Codes().Of("receipt");
        Assert.False(Codes(secret: "another-deployment-secret").IsIssued(code));
        Assert.False(Codes().IsIssued(code[..12] + (code[12] == 'a' ? 'b' : 'a') + code[13..]));
        Assert.False(Codes().IsIssued("abcdefghijklmnop"));
        Assert.False(Codes().IsIssued(code.ToUpperInvariant()));
        Assert.False(Codes().IsIssued(code[..15]));
        Assert.False(Codes().IsIssued(null));
    }
}
