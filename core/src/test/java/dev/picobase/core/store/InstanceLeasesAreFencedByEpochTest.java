package dev.picobase.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.Lease;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.model.StoredSecret;
import dev.picobase.core.model.TakenLease;
import dev.picobase.core.secret.Tokens;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import dev.picobase.testsupport.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cluster mode's instance leases, on the embedded SQLite file and on a real sqld. Before leases
 * there was nothing to stop two nodes from running the same instance, and a node that paused
 * (a "zombie") could move the snapshot pointer back to its older data after another node had moved
 * on; now a lease is taken by one conditional statement and every pointer move is fenced by the
 * lease's epoch. The store's own clock is pinned to 2026-01-01, so any time that comes back near
 * the real now proves it was taken from the database's clock, not the node's.
 */
class InstanceLeasesAreFencedByEpochTest {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final Duration SHORT = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private final TestClock nodeClock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));

    private MetadataStore open(StoreKind kind) {
        return MetadataStore.open(SqlBackend.of(PicoBaseConfig.fromMap(kind.environment(dir)).metadata()), nodeClock);
    }

    private static String node() {
        return "node-" + Tokens.randomId(8).toLowerCase(java.util.Locale.ROOT);
    }

    private static Instance instance(MetadataStore store) {
        return store.createInstance("usr_" + Tokens.randomId(10), "x", "app" + Tokens.randomId(10)).orElseThrow();
    }

    private static Snapshot snapshot(MetadataStore store, String instanceId) {
        Snapshot s = new Snapshot("snp_" + Tokens.randomId(16), instanceId, "instances/" + instanceId + "/x.zip",
                "0".repeat(64), 10, Instant.now());
        store.insertSnapshot(s);
        return s;
    }

    private static void awaitExpiry(MetadataStore store, String instanceId) {
        Deadline.await("the lease of " + instanceId + " to expire", Duration.ofSeconds(10),
                () -> !store.leaseOf(instanceId).orElseThrow().live());
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aFreeLeaseIsTakenAtEpochOneAndALiveOneByNoOtherNode(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String id = instance(store).id();
            assertThat(store.leaseOf(id)).isEmpty();

            Instant before = Instant.now();
            Lease lease = store.takeLease(id, a, LONG).orElseThrow();
            assertThat(lease.nodeId()).isEqualTo(a);
            assertThat(lease.epoch()).isEqualTo(1);
            assertThat(lease.live()).isTrue();
            // The expiry is the database's now plus the TTL (sqld runs on this machine, so its clock is ours).
            assertThat(lease.expiresAt()).isCloseTo(before.plus(LONG), within(5, ChronoUnit.SECONDS));

            assertThat(store.takeLease(id, node(), LONG)).isEmpty();
            assertThat(store.leaseOf(id)).contains(lease);
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void anExpiredLeaseGoesToAnotherNodeAndTheOldHolderCanNoLongerMoveThePointer(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String zombie = node();
            String next = node();
            String id = instance(store).id();
            Lease old = store.takeLease(id, zombie, SHORT).orElseThrow();
            Snapshot first = snapshot(store, id);
            assertThat(store.pointToSnapshot(id, first.id(), zombie, old.epoch())).isTrue();

            Lease taken = awaitTake(store, id, next);
            assertThat(taken.epoch()).isEqualTo(old.epoch() + 1);
            Snapshot newer = snapshot(store, id);
            assertThat(store.pointToSnapshot(id, newer.id(), next, taken.epoch())).isTrue();

            // The zombie wakes up: its renewal, pointer move and release all fail, and change nothing.
            assertThat(store.renewLeases(zombie, Map.of(id, old.epoch()), LONG)).isEmpty();
            Snapshot stale = snapshot(store, id);
            assertThat(store.pointToSnapshot(id, stale.id(), zombie, old.epoch())).isFalse();
            assertThat(store.releaseLease(id, zombie, old.epoch())).isFalse();
            assertThat(store.latestSnapshot(id).orElseThrow().id()).isEqualTo(newer.id());
            assertThat(store.leaseOf(id).orElseThrow()).isEqualTo(taken);

            // Its unsaved writes are kept as a snapshot that says who saved it and why it is not current.
            Snapshot saved = new Snapshot("snp_" + Tokens.randomId(16), id, "instances/" + id + "/z.zip",
                    "1".repeat(64), 20, Instant.now());
            store.insertSnapshot(saved, zombie, "saved by node " + zombie + " after it lost its lease");
            assertThat(store.listSnapshots(id)).filteredOn(s -> s.id().equals(saved.id())).singleElement()
                    .satisfies(s -> {
                        assertThat(s.nodeId()).contains(zombie);
                        assertThat(s.note()).contains("saved by node " + zombie + " after it lost its lease");
                    });
            assertThat(store.latestSnapshot(id).orElseThrow().nodeId()).isEmpty();
        }
    }

    /** Polls until {@code nodeId} takes the lease, which it can only once the holder's has expired. */
    private static Lease awaitTake(MetadataStore store, String id, String nodeId) {
        List<Lease> won = new ArrayList<>();
        Deadline.await(nodeId + " to take the expired lease of " + id, Duration.ofSeconds(10), () -> {
            store.takeLease(id, nodeId, LONG).ifPresent(won::add);
            return !won.isEmpty();
        });
        return won.get(0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void oneBatchedRenewalRenewsExactlyTheLiveLeasesTheNodeHoldsAtThoseEpochs(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String b = node();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ids.add(instance(store).id());
            }
            Map<String, Long> believed = new HashMap<>();
            for (int i = 0; i < 50; i++) {
                String holder = i < 40 ? a : b;
                Duration ttl = i >= 30 && i < 40 ? SHORT : LONG;
                believed.put(ids.get(i), store.takeLease(ids.get(i), holder, ttl).orElseThrow().epoch());
            }
            for (int i = 0; i < 5; i++) {
                // Taken again since (a restart): the epochs `believed` holds for these are stale.
                assertThat(store.takeLease(ids.get(i), a, LONG).orElseThrow().epoch()).isEqualTo(2);
            }
            awaitExpiry(store, ids.get(39)); // taken last of the short ones, so it expires last
            Instant expiryBefore = store.leaseOf(ids.get(5)).orElseThrow().expiresAt();

            Set<String> renewed = store.renewLeases(a, believed, LONG.multipliedBy(2));

            assertThat(renewed).containsExactlyInAnyOrderElementsOf(ids.subList(5, 30));
            assertThat(store.leaseOf(ids.get(5)).orElseThrow().expiresAt()).isAfter(expiryBefore);
            assertThat(store.leaseOf(ids.get(35)).orElseThrow().live()).isFalse();
            assertThat(store.leaseOf(ids.get(45)).orElseThrow().nodeId()).isEqualTo(b);
            assertThat(store.leasesHeldBy(a)).extracting(Lease::instanceId)
                    .containsExactlyInAnyOrderElementsOf(ids.subList(0, 30));
            assertThat(store.renewLeases(a, Map.of(), LONG)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void onlyTheHolderAtItsEpochReleasesAndTheNextTakeCountsOn(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String b = node();
            String id = instance(store).id();
            Lease lease = store.takeLease(id, a, LONG).orElseThrow();
            assertThat(store.releaseLease(id, b, lease.epoch())).isFalse();
            assertThat(store.releaseLease(id, a, lease.epoch() + 1)).isFalse();
            assertThat(store.leaseOf(id).orElseThrow().live()).isTrue();

            assertThat(store.releaseLease(id, a, lease.epoch())).isTrue();
            Lease released = store.leaseOf(id).orElseThrow();
            assertThat(released.live()).isFalse();
            assertThat(released.epoch()).isEqualTo(lease.epoch());
            // Free at once, without waiting for the TTL, and the epoch keeps counting.
            assertThat(store.takeLease(id, b, LONG).orElseThrow().epoch()).isEqualTo(lease.epoch() + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void takingYourOwnLiveLeaseAgainFencesYourPreviousIncarnation(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String id = instance(store).id();
            Lease before = store.takeLease(id, a, LONG).orElseThrow();
            Lease after = store.takeLease(id, a, LONG).orElseThrow();
            assertThat(after.epoch()).isEqualTo(before.epoch() + 1);
            Snapshot s = snapshot(store, id);
            assertThat(store.pointToSnapshot(id, s.id(), a, before.epoch())).isFalse();
            assertThat(store.latestSnapshot(id)).isEmpty();
            assertThat(store.pointToSnapshot(id, s.id(), a, after.epoch())).isTrue();
            assertThat(store.latestSnapshot(id).orElseThrow().id()).isEqualTo(s.id());
        }
    }

    /**
     * A wake-up may make one metadata round trip (Turso is far away), and it must read the snapshot
     * pointer only once it holds the lease; so the take returns the current snapshot itself.
     */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void takingALeaseReturnsTheSnapshotCurrentAtThatMoment(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String b = node();
            String id = instance(store).id();
            TakenLease first = store.takeLeaseWithSnapshot(id, a, LONG).orElseThrow();
            assertThat(first.current()).isEmpty();
            Snapshot saved = new Snapshot("snp_" + Tokens.randomId(16), id, "instances/" + id + "/a.zip",
                    "2".repeat(64), 30, Instant.ofEpochMilli(Instant.now().toEpochMilli()))
                    .withProvenance(a, null);
            store.insertSnapshot(saved);
            assertThat(store.pointToSnapshot(id, saved.id(), a, first.lease().epoch())).isTrue();
            assertThat(store.releaseLease(id, a, first.lease().epoch())).isTrue();

            TakenLease next = store.takeLeaseWithSnapshot(id, b, LONG).orElseThrow();
            assertThat(next.lease().nodeId()).isEqualTo(b);
            assertThat(next.lease().epoch()).isEqualTo(2);
            assertThat(next.current()).contains(saved);
            assertThat(store.takeLeaseWithSnapshot(id, a, LONG)).isEmpty();
            assertThat(first.takeover()).as("a first take").isFalse();
            assertThat(next.takeover()).as("a handover: a released it").isFalse();
            assertThat(next.idleTimeout()).as("the instance's own idle timeout comes with the take").isEmpty();
        }
    }

    /**
     * A wake in cluster mode makes one metadata round trip before the spawn: the instance's secrets
     * (still encrypted) come with the lease, exactly as stored, and only the instance's own.
     */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void takingALeaseReturnsTheInstancesSecretsAsStored(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String id = instance(store).id();
            String other = instance(store).id();
            assertThat(store.takeLeaseWithSnapshot(id, a, LONG).orElseThrow().secrets()).isEmpty();
            assertThat(store.putSecrets(id, Map.of("API_TOKEN", "v1.AAEC+/9=", "SMTP_PASSWORD", "v1.Zm9v"), 50)).isTrue();
            assertThat(store.putSecrets(other, Map.of("OTHERS", "v1.b3RoZXI="), 50)).isTrue();

            List<StoredSecret> taken = store.takeLeaseWithSnapshot(id, a, LONG).orElseThrow().secrets();
            assertThat(taken).containsExactlyInAnyOrderElementsOf(store.listSecrets(id));
            assertThat(taken).extracting(StoredSecret::name).containsExactlyInAnyOrder("API_TOKEN", "SMTP_PASSWORD");
            assertThat(taken).extracting(StoredSecret::encryptedValue).containsExactlyInAnyOrder("v1.AAEC+/9=", "v1.Zm9v");
        }
    }

    /**
     * The takeovers metric counts leases taken from a node that did not give them back (it died, paused
     * or was cut off); a first take, a handover after a release and a node taking its own lease again
     * are not takeovers.
     */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aTakeIsATakeoverOnlyWhenAnotherNodesLeaseLapsed(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String b = node();
            String id = instance(store).id();
            store.updateInstance(id, null, 600L, true);
            TakenLease first = store.takeLeaseWithSnapshot(id, a, SHORT).orElseThrow();
            assertThat(first.idleTimeout()).contains(Duration.ofSeconds(600));
            awaitExpiry(store, id);
            assertThat(store.takeLeaseWithSnapshot(id, a, SHORT).orElseThrow().takeover()).as("its own").isFalse();
            awaitExpiry(store, id);

            TakenLease lapsed = store.takeLeaseWithSnapshot(id, b, LONG).orElseThrow();
            assertThat(lapsed.takeover()).as("a's lease lapsed unreleased").isTrue();
            assertThat(store.takeLeaseWithSnapshot(id, b, LONG).orElseThrow().takeover()).as("b again").isFalse();
            assertThat(store.releaseLease(id, b, lapsed.lease().epoch() + 1)).isTrue();
            assertThat(store.takeLeaseWithSnapshot(id, a, SHORT).orElseThrow().takeover()).as("released").isFalse();
            awaitExpiry(store, id);
            assertThat(store.takeLeaseWithSnapshot(id, b, LONG).orElseThrow().takeover()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void twentyNodesRacingForOneFreeInstanceLeaveExactlyOneHolder(StoreKind kind) throws Exception {
        try (MetadataStore store = open(kind)) {
            String id = instance(store).id();
            int racers = 20;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(racers);
            try {
                List<Future<Optional<Lease>>> results = new ArrayList<>();
                for (int i = 0; i < racers; i++) {
                    String nodeId = "racer-" + i;
                    results.add(pool.submit(() -> {
                        start.await();
                        return store.takeLease(id, nodeId, LONG);
                    }));
                }
                start.countDown();
                List<Lease> winners = new ArrayList<>();
                for (Future<Optional<Lease>> r : results) {
                    r.get(30, TimeUnit.SECONDS).ifPresent(winners::add);
                }
                assertThat(winners).singleElement().satisfies(w -> assertThat(w.epoch()).isEqualTo(1));
                assertThat(store.leaseOf(id)).contains(winners.get(0));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void deletingAnInstanceDeletesItsLeaseAndADeletedInstanceGetsNone(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String id = instance(store).id();
            store.takeLease(id, a, LONG).orElseThrow();
            assertThat(store.deleteInstance(id)).isTrue();
            assertThat(store.leaseOf(id)).isEmpty();
            assertThat(store.takeLease(id, a, LONG)).isEmpty();
            assertThat(store.leaseOf(id)).isEmpty();
            assertThat(store.leasesHeldBy(a)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void nodesRegisterHeartbeatAndListWithTheDatabasesClock(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String a = node();
            String b = node();
            Instant before = Instant.now();
            var registered = store.registerNode(a, "10.0.0.1:8080", "10.0.0.1:8081");
            store.registerNode(b, "10.0.0.2:8080", "10.0.0.2:8081");
            // Near the real now, not the node's pinned 2026-01-01: the database's clock.
            assertThat(registered.heartbeatAt()).isCloseTo(before, within(5, ChronoUnit.SECONDS));
            assertThat(registered.startedAt()).isEqualTo(registered.heartbeatAt());

            Deadline.await("a later heartbeat", Duration.ofSeconds(5), () -> {
                assertThat(store.heartbeat(a)).isTrue();
                return nodeOf(store, a).heartbeatAt().isAfter(registered.heartbeatAt());
            });
            assertThat(store.heartbeat("node-never-registered")).isFalse();

            store.takeLease(instance(store).id(), a, LONG).orElseThrow();
            store.takeLease(instance(store).id(), a, LONG).orElseThrow();
            String expired = instance(store).id();
            store.takeLease(expired, a, SHORT).orElseThrow();
            awaitExpiry(store, expired);

            var listedA = nodeOf(store, a);
            assertThat(listedA.address()).isEqualTo("10.0.0.1:8080");
            assertThat(listedA.apiAddress()).isEqualTo("10.0.0.1:8081");
            assertThat(listedA.startedAt()).isEqualTo(registered.startedAt());
            assertThat(listedA.instancesHeld()).isEqualTo(2);
            assertThat(listedA.heartbeatAge()).isLessThan(Duration.ofSeconds(10));
            assertThat(nodeOf(store, b).instancesHeld()).isZero();

            // A restart registers again: new address and start, same id.
            var again = store.registerNode(a, "10.0.0.9:8080", "10.0.0.9:8081");
            assertThat(again.startedAt()).isAfterOrEqualTo(registered.startedAt());
            assertThat(again.instancesHeld()).isEqualTo(2);
            assertThat(nodeOf(store, a).address()).isEqualTo("10.0.0.9:8080");
            assertThat(nodeOf(store, a).apiAddress()).isEqualTo("10.0.0.9:8081");

            assertThat(store.deregisterNode(b)).isTrue();
            assertThat(store.listNodes()).extracting(n -> n.id()).contains(a).doesNotContain(b);
        }
    }

    private static dev.picobase.core.model.Node nodeOf(MetadataStore store, String id) {
        return store.listNodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
    }
}
