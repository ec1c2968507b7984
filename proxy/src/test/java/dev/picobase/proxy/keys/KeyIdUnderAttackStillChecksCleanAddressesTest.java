package dev.picobase.proxy.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A cap on failed checks per public id across all addresses is a lock-out lever: once a stranger
 * (or a botnet) has spent it, the real key is refused too — what the old per-id cap of 20 a minute
 * did. The budget counts per (id, address) instead; many addresses flooding one id only mark it as
 * under attack, after which an address gets one check of its own per window — so the owner's clean
 * address is still checked — and an address that already failed waits for its window to end.
 * Small caps and a hand-driven clock keep this a unit test.
 */
class KeyIdUnderAttackStillChecksCleanAddressesTest {
    private static final int PER_ADDRESS = 3;
    private static final int PER_ID = 10;
    private static final int PER_ADDRESS_ALL_IDS = 8;

    private final AtomicLong nanos = new AtomicLong(1_000);
    private final KeyCheckBudget budget = new KeyCheckBudget(PER_ADDRESS, PER_ID, PER_ADDRESS_ALL_IDS,
            Duration.ofMinutes(1), nanos::get);

    @Test
    void oneAddressIsCappedOthersAreNot() {
        for (int i = 0; i < PER_ADDRESS; i++) {
            assertThat(budget.reserve("abc", "203.0.113.1").granted()).isTrue(); // failed checks: kept
        }
        KeyCheckBudget.Reservation refused = budget.reserve("abc", "203.0.113.1");
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(60);
        assertThat(budget.reserve("abc", "203.0.113.2").granted()).isTrue();
        assertThat(budget.reserve("other", "203.0.113.1").granted()).isTrue();

        nanos.addAndGet(Duration.ofSeconds(45).toNanos());
        assertThat(budget.reserve("abc", "203.0.113.1").retryAfterSeconds()).isEqualTo(15);
        nanos.addAndGet(Duration.ofSeconds(15).toNanos());
        assertThat(budget.reserve("abc", "203.0.113.1").granted()).isTrue(); // a new window
    }

    @Test
    void checksThatDidNotFailAreGivenBack() {
        for (int i = 0; i < 10 * PER_ADDRESS; i++) { // right secrets, or ids that do not exist
            KeyCheckBudget.Reservation r = budget.reserve("abc", "203.0.113.1");
            assertThat(r.granted()).isTrue();
            budget.refund(r);
        }
    }

    @Test
    void underDistributedAttackACleanAddressStillGetsItsCheck() {
        for (int address = 1; address <= 4; address++) { // 4 addresses x 3 failures: past the per-id 10
            for (int i = 0; i < PER_ADDRESS; i++) {
                budget.reserve("abc", "198.51.100." + address);
            }
        }
        KeyCheckBudget.Reservation owner = budget.reserve("abc", "192.0.2.10");
        assertThat(owner.granted()).withFailMessage("an address with no failures of its own was refused").isTrue();
        budget.refund(owner); // the right secret

        assertThat(budget.reserve("abc", "192.0.2.10").granted()).isTrue(); // and again, while it does not fail
        KeyCheckBudget.Reservation attacker = budget.reserve("abc", "198.51.100.77");
        assertThat(attacker.granted()).isTrue(); // a fresh attacker address: one check ...
        assertThat(budget.reserve("abc", "198.51.100.77").granted()).isFalse(); // ... and no second
        assertThat(budget.reserve("abc", "198.51.100.5").granted()).isTrue();
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64() {
        for (int i = 0; i < PER_ADDRESS; i++) {
            assertThat(budget.reserve("abc", "2001:db8:1:2::" + Integer.toHexString(i + 1)).granted()).isTrue();
        }
        assertThat(budget.reserve("abc", "2001:db8:1:2:ffff::9").granted()).isFalse();
        assertThat(budget.reserve("abc", "2001:db8:1:3::1").granted()).isTrue();
        assertThat(dev.picobase.proxy.AddressBuckets.of("::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(dev.picobase.proxy.AddressBuckets.of("192.0.2.1")).isEqualTo("192.0.2.1");
    }

    /**
     * What went wrong: the budget was per (id, address) only, so one address cycling through many
     * ids of its own tenant's keys (creating keys is free) kept the key-check pool full, and another
     * tenant's fresh key waited 30 s for its check. One address now has a budget over all ids too.
     */
    @Test
    void oneAddressCyclingThroughManyIdsRunsOutOfItsOwnBudget() {
        for (int i = 0; i < PER_ADDRESS_ALL_IDS; i++) {
            assertThat(budget.reserve("id" + i, "203.0.113.1").granted()).isTrue(); // one failure per id
        }
        KeyCheckBudget.Reservation refused = budget.reserve("id-next", "203.0.113.1");
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(60);
        assertThat(budget.reserve("id-next", "203.0.113.2").granted()).isTrue(); // another address is not affected

        KeyCheckBudget.Reservation ok = budget.reserve("id0", "203.0.113.3");
        budget.refund(ok); // checks that did not fail are given back to the address's budget as well
        for (int i = 0; i < PER_ADDRESS_ALL_IDS; i++) {
            assertThat(budget.reserve("id" + i, "203.0.113.3").granted()).isTrue();
        }
    }
}
