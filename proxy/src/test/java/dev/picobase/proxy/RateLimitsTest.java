package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.RateLimit;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The gateway's rate limits in memory: the platform default applies to instances without their own
 * limit, a per-address limit counts each client address apart, changing a limit starts afresh, and a
 * stranger spraying source addresses cannot grow the buckets past their bound — nor, by evicting, refill
 * a whole-instance bucket, which lives apart.
 */
class RateLimitsTest {
    @Test
    void theDefaultAppliesUnlessTheInstanceHasItsOwnLimit() {
        RateLimits limits = new RateLimits(Optional.of(new RateLimit(2, false)));
        assertThat(limits.take("a", "192.0.2.1").remaining()).isEqualTo(1);
        assertThat(limits.take("a", "192.0.2.2").remaining()).isZero();
        RateLimits.Taken third = limits.take("a", "192.0.2.3");
        assertThat(third.allowed()).isFalse();
        assertThat(third.retryAfterSeconds()).isBetween(1L, 30L);
        assertThat(third.refusal().status().code()).isEqualTo(429);
        assertThat(third.refusal().headers().get("Retry-After")).isEqualTo(Long.toString(third.retryAfterSeconds()));

        limits.set("a", Optional.of(new RateLimit(5, false)));
        assertThat(limits.take("a", "192.0.2.1").remaining()).as("a new limit starts afresh").isEqualTo(4);
        assertThat(new RateLimits(Optional.empty()).take("a", "192.0.2.1")).as("no limit at all").isNull();
    }

    @Test
    void aSprayOfAddressesStaysBoundedAndCannotRefillTheInstanceBucket() {
        RateLimits limits = new RateLimits(Optional.empty(), 1_000);
        limits.set("spray", Optional.of(new RateLimit(10, true)));
        limits.set("whole", Optional.of(new RateLimit(1, false)));
        assertThat(limits.take("whole", "192.0.2.1").allowed()).isTrue();
        for (int i = 0; i < 20_000; i++) {
            limits.take("spray", "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        }
        assertThat(limits.addressBuckets()).isLessThanOrEqualTo(1_000);
        assertThat(limits.take("whole", "192.0.2.1").allowed()).isFalse();
    }

    @Test
    void ipv6ClientsAreCountedByTheirSlash64() {
        RateLimits limits = new RateLimits(Optional.of(new RateLimit(1, true)));
        assertThat(limits.take("a", "2001:db8:1:2::1").allowed()).isTrue();
        assertThat(limits.take("a", "2001:db8:1:2::ffff").allowed()).as("same /64").isFalse();
        assertThat(limits.take("a", "2001:db8:1:3::1").allowed()).isTrue();
    }
}
