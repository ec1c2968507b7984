package dev.picobase.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubdomainsTest {
    @ParameterizedTest
    @ValueSource(strings = {"myapp", "my-app", "a1b", "123", "abc-def-ghi"})
    void dnsLabelsAreAccepted(String ok) {
        assertThat(Subdomains.problem(ok)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", "-abc", "abc-", "MyApp", "my_app", "my.app", "xn--abc", "www", "api", "admin",
            "émoji", "a b c"})
    void everythingElseIsRefusedWithAReason(String bad) {
        assertThat(Subdomains.problem(bad)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 100})
    void labelsLongerThan63AreRefused(int length) {
        assertThat(Subdomains.problem("a".repeat(length))).hasValue("must be 3 to 63 characters long");
        assertThat(Subdomains.problem("a".repeat(63))).isEmpty();
    }
}
