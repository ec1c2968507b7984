package dev.picobase.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.api.http.ApiException;
import dev.picobase.config.AuthConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limiter's counting rules, on a hand-driven clock; the HTTP side is in the sign-in tests. */
class SignInLimiterTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final SignInLimiter limiter = new SignInLimiter(
            new AuthConfig(10, Duration.ofDays(1), false, 3, Duration.ofMinutes(15), 5, 100), nanos::get);

    @Test
    void aLockedAddressGetsItsGuessesBackWhenTheWindowEnds() {
        for (int i = 0; i < 3; i++) {
            limiter.failed("ada@example.com", "203.0.113.9");
        }
        assertThatThrownBy(() -> limiter.check("ada@example.com", "203.0.113.9"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().code()).isEqualTo(429));
        assertThatCode(() -> limiter.check("ada@example.com", "203.0.113.10")).doesNotThrowAnyException();

        nanos.addAndGet(Duration.ofMinutes(15).toNanos());

        assertThatCode(() -> limiter.check("ada@example.com", "203.0.113.9")).doesNotThrowAnyException();
    }

    /** One host usually holds a whole IPv6 /64; counting single addresses would let it rotate freely. */
    @Test
    void ipv6AddressesCountByTheirSlash64() {
        assertThat(dev.picobase.proxy.AddressBuckets.of("2001:db8:1:2::1")).isEqualTo(dev.picobase.proxy.AddressBuckets.of("2001:db8:1:2:ffff::9"));
        assertThat(dev.picobase.proxy.AddressBuckets.of("2001:db8:1:2::1")).isNotEqualTo(dev.picobase.proxy.AddressBuckets.of("2001:db8:1:3::1"));
        assertThat(dev.picobase.proxy.AddressBuckets.of("198.51.100.7")).isEqualTo("198.51.100.7");

        for (int i = 0; i < 5; i++) {
            limiter.attempt("2001:db8:1:2::" + Integer.toHexString(i + 1));
        }
        assertThatThrownBy(() -> limiter.attempt("2001:db8:1:2::abcd")).isInstanceOf(ApiException.class);
        assertThatCode(() -> limiter.attempt("2001:db8:1:3::1")).doesNotThrowAnyException();
    }
}
