package dev.picobase.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceOverview;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.model.Lease;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.model.User;
import dev.picobase.testsupport.CountingSqlBackend;
import dev.picobase.testsupport.SqldServer;
import dev.picobase.testsupport.StoreKind;
import dev.picobase.testsupport.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The operators' view of the metadata database ({@code ./picobase status} and {@code instances}):
 * instances counted by status, and every instance listed with its owner's email, current snapshot
 * and the node holding its live lease, each in one statement, on both back ends.
 *
 * <p>What could go wrong: a listing built from a read per instance (10,000 round trips to Turso);
 * the libSQL driver reading a missing snapshot's NULLs as empty values, so an instance never saved
 * shows a 0-byte snapshot; a lease that was given back or expired still naming a node; a count that
 * misses a status. Each database here is the test's own (a file, or a private sqld), so the counts
 * are exact.
 */
class OperatorListingTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void countsAndListsEveryInstanceInOneStatementEach(StoreKind kind) {
        SqldServer sqld = kind == StoreKind.LIBSQL ? SqldServer.start(dir) : null;
        Map<String, String> env = sqld == null ? kind.environment(dir)
                : Map.of("PICOBASE_DATA_DIR", dir.toString(), "TURSO_DATABASE_URL", sqld.url());
        CountingSqlBackend sql = new CountingSqlBackend(SqlBackend.of(PicoBaseConfig.fromMap(env).metadata()));
        try (MetadataStore store = MetadataStore.open(sql, clock)) {
            User ann = store.createUser("Ann", "ann@example.com", "hash").orElseThrow();
            User bob = store.createUser("Bob", "bob@example.com", "hash").orElseThrow();
            Instance alpha = store.createInstance(ann.id(), "Alpha", "alpha-app").orElseThrow();
            Instance bravo = store.createInstance(bob.id(), "Bravo", "bravo-app").orElseThrow();
            Instance charlie = store.createInstance(ann.id(), "Charlie", "charlie-app").orElseThrow();
            Instance delta = store.createInstance(bob.id(), "Delta", "delta-app").orElseThrow();

            store.transition(alpha.id(), EnumSet.of(InstanceStatus.STOPPED), InstanceStatus.RUNNING, null);
            Instant active = clock.instant().plusSeconds(30);
            store.recordActivity(alpha.id(), active);
            store.takeLease(alpha.id(), "node-a", Duration.ofMinutes(5)).orElseThrow();
            Snapshot saved = new Snapshot("snp_b1", bravo.id(), "instances/b/1.tar", "00".repeat(32), 123_456,
                    clock.instant().plusSeconds(60));
            store.insertSnapshot(saved);
            store.pointToSnapshot(bravo.id(), saved.id());
            store.transition(charlie.id(), EnumSet.of(InstanceStatus.STOPPED), InstanceStatus.FAILED, "disk full");
            Lease given = store.takeLease(delta.id(), "node-b", Duration.ofMinutes(5)).orElseThrow();
            assertThat(store.releaseLease(delta.id(), "node-b", given.epoch())).isTrue();

            int before = sql.mark();
            Map<InstanceStatus, Long> counts = store.countInstancesByStatus();
            assertThat(sql.since(before)).hasSize(1);
            assertThat(counts).containsOnly(Map.entry(InstanceStatus.RUNNING, 1L),
                    Map.entry(InstanceStatus.STOPPED, 2L), Map.entry(InstanceStatus.FAILED, 1L),
                    Map.entry(InstanceStatus.STARTING, 0L), Map.entry(InstanceStatus.STOPPING, 0L));

            before = sql.mark();
            List<InstanceOverview> listing = store.listInstanceOverviews();
            assertThat(sql.since(before)).hasSize(1);
            assertThat(listing).extracting(o -> o.instance().subdomain())
                    .containsExactly("alpha-app", "bravo-app", "charlie-app", "delta-app");

            InstanceOverview a = listing.get(0);
            assertThat(a.instance().status()).isEqualTo(InstanceStatus.RUNNING);
            assertThat(a.instance().name()).isEqualTo("Alpha");
            assertThat(a.ownerEmail()).isEqualTo("ann@example.com");
            assertThat(a.instance().lastActivityAt()).contains(active);
            assertThat(a.latestSnapshotBytes()).isEmpty();
            assertThat(a.latestSnapshotAt()).isEmpty();
            assertThat(a.leaseNode()).contains("node-a");

            InstanceOverview b = listing.get(1);
            assertThat(b.ownerEmail()).isEqualTo("bob@example.com");
            assertThat(b.instance().lastActivityAt()).isEmpty();
            assertThat(b.latestSnapshotBytes()).isEqualTo(OptionalLong.of(123_456));
            assertThat(b.latestSnapshotAt()).contains(saved.createdAt());
            assertThat(b.leaseNode()).isEmpty();

            InstanceOverview c = listing.get(2);
            assertThat(c.instance().status()).isEqualTo(InstanceStatus.FAILED);
            assertThat(c.instance().statusReason()).isEqualTo(Optional.of("disk full"));

            assertThat(listing.get(3).leaseNode()).as("a lease given back names no node").isEmpty();
        } finally {
            if (sqld != null) {
                sqld.close();
            }
        }
    }
}
