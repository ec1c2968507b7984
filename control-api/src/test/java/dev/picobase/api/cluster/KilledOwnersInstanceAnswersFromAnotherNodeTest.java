package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.PlatformProcess;
import dev.picobase.api.scale.PlatformProcesses;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.model.Snapshot;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.S3ProxyServer;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dead owner of the "Cluster mode" issue, with real processes: node A (a platform in its own JVM)
 * is {@code kill -9}ed in the middle of a stream of acknowledged writes, with periodic snapshots
 * every second. What could go wrong: the instance stayed unreachable (a dead node's lease never
 * lapsing, or another node refusing to start it), or another node started it from an older snapshot
 * than the last one A made current. Now the lease lapses after its TTL, node B takes the instance over
 * from the current snapshot and answers within the TTL plus a restore, and every write acknowledged
 * before that snapshot was taken is there. (Writes after it are lost with the node unless it comes
 * back; the snapshot interval bounds them.)
 */
@Timeout(120)
class KilledOwnersInstanceAnswersFromAnotherNodeTest {
    /** The TTL plus a restore of a small instance, with room for this 2-core machine's other builds. */
    private static final Duration TAKEOVER = ClusterNode.LEASE_TTL.plusSeconds(5);
    private static final int MAX_WRITES = 400; // under the notes listing's page of 500

    @RegisterExtension
    final PlatformProcesses platforms = new PlatformProcesses();

    @TempDir
    Path dir;

    private RunningApi b;
    private final ExecutorService writer = Executors.newSingleThreadExecutor();

    private record Ack(String text, Instant at) {}

    @AfterEach
    void stopNodes() throws InterruptedException {
        writer.shutdownNow();
        writer.awaitTermination(10, TimeUnit.SECONDS);
        if (b != null) {
            b.close();
        }
    }

    @Test
    void writesAcknowledgedBeforeTheLastSnapshotAreServedByTheNextNode() throws Exception {
        String bucket = S3ProxyServer.shared().newBucket();
        PlatformProcess a = platforms.start("node-a", ClusterNode.settings("node-a", bucket, "1s"), false);
        Map<String, String> onB = new HashMap<>(ClusterNode.settings("node-b", bucket, "0s"));
        onB.putAll(StoreKind.LIBSQL.environment(dir.resolve("b")));
        onB.put("INSTANCES_BASE_PORT", Integer.toString(PlatformProcess.freeInstancesBasePort()));
        b = RunningApi.start(StoreKind.LIBSQL, dir.resolve("b"), onB, Clock.systemUTC());

        ApiClient.Tenant tenant = a.client().signUpAndSignIn().createInstanceWithKey();
        String id = tenant.id();
        TenantGateway throughA = new TenantGateway(a.gatewayPort(), tenant.subdomain(), tenant.key())
                .asNewAdmin("admin@example.com", "1234567890");
        throughA.createNotes();

        // A stream of writes through A, each recorded once acknowledged, until A dies (bounded in count).
        ConcurrentLinkedQueue<Ack> acked = new ConcurrentLinkedQueue<>();
        Set<String> sent = java.util.concurrent.ConcurrentHashMap.newKeySet(); // acknowledged or not
        AtomicReference<String> endedBy = new AtomicReference<>();
        Future<?> writes = writer.submit(() -> {
            for (int i = 0; i < MAX_WRITES && !Thread.currentThread().isInterrupted(); i++) {
                String text = "w" + i;
                sent.add(text);
                try {
                    RawHttp.Response r = throughA.send("POST", "/api/collections/notes/records",
                            ApiClient.json("text", text));
                    if (r.status() != 200) {
                        endedBy.set("status " + r.status());
                        return;
                    }
                    acked.add(new Ack(text, Instant.now()));
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException | AssertionError e) {
                    // A is gone: the connection was refused, or cut mid-request (RawHttp's AssertionError)
                    endedBy.set(e.toString());
                    return;
                }
            }
            endedBy.set("all " + MAX_WRITES + " writes done");
        });
        // Kill A once a periodic snapshot holds some of the stream's writes, while it keeps writing.
        Deadline.await("a periodic snapshot taken during the writes", Duration.ofSeconds(20), () -> {
            Ack first = acked.peek();
            return first != null && b.store().latestSnapshot(id).map(s -> s.createdAt().isAfter(first.at()))
                    .orElse(false);
        });
        a.kill();
        long killed = System.nanoTime();
        writes.get(10, TimeUnit.SECONDS);
        assertThat(endedBy.get()).as("the writes were still running when A died").doesNotStartWith("all ");
        Snapshot last = b.store().latestSnapshot(id).orElseThrow(); // A can move it no more
        List<String> beforeLast = acked.stream().filter(w -> w.at().isBefore(last.createdAt())).map(Ack::text)
                .toList();
        assertThat(beforeLast).isNotEmpty();

        TenantGateway throughB = throughA.on(b.gatewayPort());
        Deadline.await("node b to answer for the instance", TAKEOVER,
                () -> throughB.send("GET", "/api/health", null).status() == 200);
        Duration tookOver = Duration.ofNanos(System.nanoTime() - killed);
        assertThat(tookOver).isLessThan(TAKEOVER);
        assertThat(b.store().leaseOf(id).orElseThrow().nodeId()).isEqualTo("node-b");
        assertThat(b.scrapeMetrics().sum("picobase_lease_takeovers_total")).as("a's lease lapsed unreleased")
                .isEqualTo(1.0);

        Set<String> onNodeB = texts(throughB.notes());
        assertThat(onNodeB).as("every write acknowledged before the last snapshot (%s of %s acknowledged)",
                beforeLast.size(), acked.size()).containsAll(beforeLast);
        assertThat(sent).as("nothing B serves was invented").containsAll(onNodeB);
    }

    /** The texts of notes listed as "id text". */
    private static Set<String> texts(Set<String> notes) {
        Set<String> texts = new TreeSet<>();
        notes.forEach(n -> texts.add(n.substring(n.indexOf(' ') + 1)));
        return texts;
    }
}
