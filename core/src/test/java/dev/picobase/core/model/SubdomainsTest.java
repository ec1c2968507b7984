package dev.picobase.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.PicoBaseConfig;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubdomainsTest {
    private static final Subdomains DEFAULTS = new Subdomains(PicoBaseConfig.DEFAULT_RESERVED_SUBDOMAINS);

    @ParameterizedTest
    @ValueSource(strings = {"myapp", "my-app", "a1b", "123", "abc-def-ghi", "a-b-c", "abc--def", "a-b--c"})
    void dnsLabelsAreAccepted(String ok) {
        assertThat(DEFAULTS.problem(ok)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", "-abc", "abc-", "MyApp", "my_app", "my.app", "xn--abc", "www", "api", "admin",
            "émoji", "a b c"})
    void everythingElseIsRefusedWithAReason(String bad) {
        assertThat(DEFAULTS.problem(bad)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 100})
    void labelsLongerThan63AreRefused(int length) {
        assertThat(DEFAULTS.problem("a".repeat(length))).hasValue("must be 3 to 63 characters long");
        assertThat(DEFAULTS.problem("a".repeat(63))).isEmpty();
    }

    /** Names mail clients, browsers and hosting panels look up on their own: a tenant must not answer them. */
    @ParameterizedTest
    @ValueSource(strings = {"autodiscover", "autoconfig", "mta-sts", "wpad", "isatap", "webmail", "cpanel"})
    void namesOtherSoftwareLooksUpAreReserved(String name) {
        assertThat(DEFAULTS.problem(name)).hasValue("'" + name + "' is reserved");
    }

    /** RFC 5891 keeps "--" in positions 3–4 for IDNA and future prefixes, not only xn--. */
    @ParameterizedTest
    @ValueSource(strings = {"xn--abc", "ab--cd", "zz--top", "a1--b", "my--app"})
    void aDoubleHyphenInTheThirdAndFourthCharactersIsRefused(String name) {
        assertThat(DEFAULTS.problem(name)).hasValueSatisfying(p -> assertThat(p).contains("'--'"));
    }

    /** These used to be reserved, but they are the names tenants pick for their own projects. */
    @ParameterizedTest
    @ValueSource(strings = {"app", "blog", "dev", "test", "prod", "staging", "production", "assets", "media", "files"})
    void ordinaryWordsAreAllowedByDefault(String name) {
        assertThat(DEFAULTS.problem(name)).isEmpty();
    }

    @Test
    void anOperatorListReplacesTheDefaultButTheDoubleHyphenRuleStays() {
        Subdomains operator = new Subdomains(Set.of("acme", "intranet"));

        assertThat(operator.problem("acme")).hasValue("'acme' is reserved");
        assertThat(operator.problem("intranet")).isPresent();
        assertThat(operator.problem("www")).isEmpty();
        assertThat(operator.problem("xn--abc")).isPresent();
        assertThat(new Subdomains(Set.of()).problem("admin")).isEmpty();
    }
}
