package dev.picobase.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.bench.relay.DelayRelay;
import dev.picobase.bench.relay.RelayedRequest;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.store.LibsqlBackend;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.testsupport.SqldServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster benchmarks leave background statements out of a request's round trips by matching the
 * statements' opening words ({@link BackgroundStatements}). What could go wrong: a statement of the
 * store reworded (a column added to the cluster sync poll, the renewal rewritten), so that background
 * work is counted as the wake's own, or a wake statement taken for background, and the benchmark
 * reports a wrong count without anyone noticing. This runs the real {@link MetadataStore} on a real
 * sqld through the relay, makes each statement once, and checks how each one the relay saw is
 * classified. When the store's SQL changes, this fails and names the statement.
 */
@Timeout(60)
class BackgroundStatementsMatchTheStoresOwnSqlTest {
    @TempDir
    Path dir;

    @Test
    void backgroundWorkIsRecognisedAndTheWakesStatementsAreNot() throws Exception {
        try (SqldServer sqld = SqldServer.start(dir);
             DelayRelay relay = DelayRelay.start(ColdStartFarBench.address(sqld.url()), Duration.ZERO);
             MetadataStore store = MetadataStore.open(new LibsqlBackend(relay.url(), null), Clock.systemUTC())) {
            String user = store.createUser("Bench", "bench@example.com", "x").orElseThrow().id();
            String instance = store.createInstance(user, "far", "far").orElseThrow().id();
            store.createApiKey(instance, "pbk_1234567890abcdef", "bench", "hash", "cdef");
            store.registerNode("node-a", "127.0.0.1:1", "127.0.0.1:2");

            long from = System.nanoTime();
            store.takeLeaseWithSnapshot(instance, "node-a", Duration.ofSeconds(15));
            store.transition(instance, EnumSet.allOf(InstanceStatus.class), InstanceStatus.STARTING, null);
            store.transition(instance, EnumSet.of(InstanceStatus.STARTING), InstanceStatus.RUNNING, null);
            long wakeEnded = System.nanoTime();
            store.clusterEventsAfter(0, 1000);
            store.pruneClusterEvents(Duration.ofHours(1));
            store.heartbeat("node-a");
            store.renewLeases("node-a", Map.of(instance, 1L), Duration.ofSeconds(15));
            Optional<?> key = store.findApiKey("pbk_1234567890abcdef");
            store.recordKeyUse("pbk_1234567890abcdef", Instant.now());
            store.recordActivity(instance, Instant.now());
            long to = System.nanoTime();

            List<RelayedRequest> all = relay.requests();
            assertThat(key).isPresent();
            assertThat(BackgroundStatements.own(relay.requestsBetween(from, wakeEnded), all))
                    .as("the wake's statements are its own").hasSize(3);
            assertThat(relay.requestsBetween(wakeEnded, to))
                    .extracting(r -> BackgroundStatements.kind(r, all).orElse("NOT RECOGNISED: " + r.label()))
                    .containsExactly("cluster sync poll", "cluster sync prune", "heartbeat", "lease renewal",
                            "key re-check", "key last use", "instance activity");
        }
    }

    /** The driver's check on a new connection counts for whatever that connection was opened for. */
    @Test
    void aConnectionsOpeningCheckGoesWithTheStatementAfterIt() {
        RelayedRequest checkForHeartbeat = request(2, 10, "SELECT 1");
        RelayedRequest heartbeat = request(2, 40,
                "UPDATE nodes SET heartbeat_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE id = ?");
        RelayedRequest checkForLease = request(3, 12, "SELECT 1");
        RelayedRequest lease = request(3, 45, "INSERT INTO leases (instance_id, node_id, epoch, expires_at) SELECT ...");
        RelayedRequest leaseOnTheFirstConnection = request(2, 50, "INSERT INTO leases (instance_id) VALUES (?)");
        List<RelayedRequest> all = List.of(lease, heartbeat, checkForHeartbeat, checkForLease,
                leaseOnTheFirstConnection);

        assertThat(BackgroundStatements.kind(checkForHeartbeat, all)).contains("connection opened for a heartbeat");
        assertThat(BackgroundStatements.own(List.of(checkForHeartbeat, checkForLease, heartbeat, lease), all))
                .containsExactly(checkForLease, lease);
    }

    private static RelayedRequest request(long connection, long startNanos, String sql) {
        return new RelayedRequest(connection, startNanos, "POST", "/", List.of(sql));
    }
}
