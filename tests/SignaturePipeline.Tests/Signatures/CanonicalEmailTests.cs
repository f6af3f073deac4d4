using SignaturePipeline.Signatures;

namespace SignaturePipeline.Tests.Signatures;

public sealed class CanonicalEmailTests
{
    [Theory]
    [InlineData("J.Doe+petition@gmail.com", "jdoe@gmail.com")]
    [InlineData("jdoe@googlemail.com", "jdoe@gmail.com")]
    [InlineData("j.d.o.e@GMAIL.COM", "jdoe@gmail.com")]
    [InlineData("ana+news@outlook.com", "ana@outlook.com")]
    [InlineData("ana+x@hotmail.com", "ana@hotmail.com")]
    [InlineData("ana+x@me.com", "ana@icloud.com")]
    [InlineData("ana+x@protonmail.com", "ana@proton.me")]
    public void Aliases_of_one_mailbox_share_one_canonical_address(string input, string expected)
    {
        Assert.True(CanonicalEmail.TryNormalize(input, out var normalized));
        Assert.Equal(expected, CanonicalEmail.Canonicalize(normalized));
    }

    [Theory]
    [InlineData("j.doe@example.org", "j.doe@example.org")]
    [InlineData("ana+x@yahoo.com", "ana+x@yahoo.com")]
    [InlineData("ana.maria@outlook.com", "ana.maria@outlook.com")]
    public void Dots_and_tags_are_kept_where_the_provider_treats_them_as_different_mailboxes(string input, string expected)
    {
        Assert.True(CanonicalEmail.TryNormalize(input, out var normalized));
        Assert.Equal(expected, CanonicalEmail.Canonicalize(normalized));
    }

    [Fact]
    public void International_domains_are_stored_in_punycode()
    {
        Assert.True(CanonicalEmail.TryNormalize("jose@bücher.de", out var normalized));
        Assert.Equal("jose@xn--bcher-kva.de", normalized);
    }

    [Fact]
    public void Non_ASCII_local_parts_are_refused_because_few_mail_servers_deliver_them() =>
        Assert.False(CanonicalEmail.TryNormalize("josé@example.org", out _));

    [Theory]
    [InlineData("")]
    [InlineData("plainaddress")]
    [InlineData("@example.org")]
    [InlineData("ana@")]
    [InlineData("ana@@example.org")]
    [InlineData("ana@example")]
    [InlineData("ana..b@example.org")]
    [InlineData(".ana@example.org")]
    [InlineData("\"quoted\"@example.org")]
    [InlineData("ana@exa_mple.org")]
    [InlineData("ana@-example.org")]
    [InlineData("ana example@example.org")]
    [InlineData("ana@example.org<script>")]
    public void Addresses_no_mail_server_would_accept_are_invalid(string input) =>
        Assert.False(CanonicalEmail.TryNormalize(input, out _));

    [Fact]
    public void A_local_part_over_64_characters_is_invalid() =>
        Assert.False(CanonicalEmail.TryNormalize(new string('a', 65) + "@example.org", out _));
}

public sealed class CanonicalEmailRulesTests
{
    [Fact]
    public void Configured_aliases_tags_and_dots_fold_an_organizations_addresses_into_one_mailbox()
    {
        var rules = CanonicalEmailRules.FromSettings("alumni.example.edu=example.edu", "example.edu", "example.edu");
        Assert.Equal("anamaria@example.edu", CanonicalEmail.Canonicalize("ana.maria+petition@alumni.example.edu", rules));
        Assert.Equal("jdoe@gmail.com", CanonicalEmail.Canonicalize("j.doe+x@googlemail.com", rules));
    }

    [Fact]
    public void Without_settings_the_built_in_rules_apply() =>
        Assert.Equal("ana.maria+x@example.edu", CanonicalEmail.Canonicalize("ana.maria+x@example.edu", CanonicalEmailRules.FromSettings(null, "", null)));

    [Theory]
    [InlineData("no-equals-sign", null)]
    [InlineData("a.example=not a domain", null)]
    [InlineData(null, "bad domain")]
    public void A_malformed_rule_fails_at_start_with_a_message(string? aliases, string? plusTags) =>
        Assert.Throws<FormatException>(() => CanonicalEmailRules.FromSettings(aliases, plusTags, null));
}
