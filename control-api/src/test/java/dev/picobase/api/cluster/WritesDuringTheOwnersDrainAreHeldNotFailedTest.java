package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.model.Lease;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Drain: SIGTERM on a node saves its instances and releases their leases, so a rolling restart moves
 * instances without losing a write; requests that arrive during the move are held, not failed." Node
 * B forwards a stream of writes to node A, which runs the instance, and A is shut down in the middle.
 * What could go wrong: B's hops met A's closed port and the writes failed with 502 (nginx in front would
 * pass that on), or B kept sending them to A for as long as it remembered A as the owner, or B waited
 * for the lease to lapse (the TTL) instead of taking it as soon as A gave it back. Now a hop that cannot
 * connect is held on B, which takes the lease the moment A's drain releases it (a handover, not a
 * takeover), restores A's last save and serves the held writes; every acknowledged write is there.
 */
@Timeout(180)
class WritesDuringTheOwnersDrainAreHeldNotFailedTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path dir;

    private TwoNodes nodes;
    private RunningApi a;
    private RunningApi b;
    private final ExecutorService writers = Executors.newFixedThreadPool(2);

    @BeforeEach
    void startNodes() {
        // A TTL far longer than a drain: the move must come from A's release, not from the lease lapsing.
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_CLUSTER_SECRET", SECRET, "PICOBASE_LEASE_TTL", "30s"));
        a = nodes.a;
        b = nodes.b;
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        writers.shutdownNow();
        writers.awaitTermination(10, TimeUnit.SECONDS);
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void writesForwardedToADrainingOwnerAreHeldAndServedByTheNextNode() throws Exception {
        ApiClient.Tenant tenant = a.client().signUpAndSignIn().createInstanceWithKey();
        TenantGateway throughA = TwoNodes.through(a, tenant).asNewAdmin("admin@example.com", "1234567890");
        throughA.createNotes();
        assertThat(a.store().leaseOf(tenant.id()).map(Lease::nodeId)).contains("node-a");
        TenantGateway throughB = throughA.on(b.gatewayPort());

        // Two writers through B (each a hop to A) until told to stop; every answer is recorded.
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger counter = new AtomicInteger();
        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Future<?>> loops = List.of(writers.submit(() -> write(throughB, done, counter, acknowledged, failures)),
                writers.submit(() -> write(throughB, done, counter, acknowledged, failures)));
        Deadline.await("some writes forwarded to a", Duration.ofSeconds(20), () -> acknowledged.size() >= 10);

        nodes.stop(a); // its drain: the port closes, the instance is saved, the lease given back
        int atStop = acknowledged.size();
        Deadline.await("writes served after a stopped", Duration.ofSeconds(30),
                () -> acknowledged.size() >= atStop + 20);
        done.set(true);
        for (Future<?> loop : loops) {
            loop.get(30, TimeUnit.SECONDS);
        }

        assertThat(failures).as("no write failed; at most a 503 with Retry-After would be allowed, none was needed")
                .isEmpty();
        Lease lease = b.store().leaseOf(tenant.id()).orElseThrow();
        assertThat(lease.nodeId()).isEqualTo("node-b");
        assertThat(b.scrapeMetrics().sum("picobase_lease_takeovers_total")).as("a handover, not a takeover")
                .isZero();
        Set<String> notes = throughB.notes();
        assertThat(notes).as("every acknowledged write").containsAll(acknowledged);
    }

    private static void write(TenantGateway through, AtomicBoolean done, AtomicInteger counter,
                              ConcurrentLinkedQueue<String> acknowledged, List<String> failures) {
        while (!done.get()) {
            String text = "w" + counter.incrementAndGet();
            RawHttp.Response r = through.send("POST", "/api/collections/notes/records", ApiClient.json("text", text));
            if (r.status() == 200) {
                acknowledged.add(r.json().path("id").asText() + " " + text);
            } else {
                failures.add(r.status() + " " + r.header("Retry-After") + " " + r.text());
                if (r.status() != 503 || r.header("Retry-After") == null) {
                    return;
                }
            }
        }
    }
}
