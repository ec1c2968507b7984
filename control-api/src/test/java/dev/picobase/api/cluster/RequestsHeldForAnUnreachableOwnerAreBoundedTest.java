package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.PlatformProcess;
import dev.picobase.api.scale.PlatformProcesses;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.S3ProxyServer;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests a node forwards to an owner that no longer answers are held until the owner lets the
 * instance go — and only as many as {@code PICOBASE_HOLD_MAX_REQUESTS} per instance. What could go
 * wrong: every such request waited on its own (a timer task and two database reads each, every 200 ms),
 * with no bound, so one tenant's clients could pile up held requests without limit while a node was
 * down. Now one poll per instance reads who holds the lease; past the bound a request is answered 503
 * with {@code Retry-After} at once; the held ones are served once this node has taken the instance over.
 * Node A (its own JVM) is killed with {@code kill -9}; node B forwards to it.
 */
@Timeout(120)
class RequestsHeldForAnUnreachableOwnerAreBoundedTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";
    private static final int HOLD_MAX = 2;
    private static final int REQUESTS = 6;

    @RegisterExtension
    final PlatformProcesses platforms = new PlatformProcesses();

    @TempDir
    Path dir;

    private RunningApi b;
    private final ExecutorService clients = Executors.newFixedThreadPool(REQUESTS);

    @AfterEach
    void stop() throws InterruptedException {
        clients.shutdownNow();
        clients.awaitTermination(10, TimeUnit.SECONDS);
        if (b != null) {
            b.close();
        }
    }

    @Test
    void pastTheHoldLimitTheAnswerIs503AndTheHeldOnesAreServedAfterTheTakeover() throws Exception {
        String bucket = S3ProxyServer.shared().newBucket();
        Map<String, String> onA = new HashMap<>(ClusterNode.settings("node-a", bucket, "0s"));
        onA.put("PICOBASE_CLUSTER_SECRET", SECRET);
        PlatformProcess a = platforms.start("node-a", onA, false);
        Map<String, String> onB = new HashMap<>(ClusterNode.settings("node-b", bucket, "0s"));
        onB.putAll(StoreKind.LIBSQL.environment(dir.resolve("b")));
        onB.put("PICOBASE_CLUSTER_SECRET", SECRET);
        onB.put("PICOBASE_HOLD_MAX_REQUESTS", Integer.toString(HOLD_MAX));
        onB.put("INSTANCES_BASE_PORT", Integer.toString(PlatformProcess.freeInstancesBasePort()));
        b = RunningApi.start(StoreKind.LIBSQL, dir.resolve("b"), onB, Clock.systemUTC());

        ApiClient.Tenant tenant = a.client().signUpAndSignIn().createInstanceWithKey();
        TenantGateway throughA = new TenantGateway(a.gatewayPort(), tenant.subdomain(), tenant.key());
        TenantGateway throughB = throughA.on(b.gatewayPort());
        assertThat(throughA.send("GET", "/api/health", null).status()).isEqualTo(200); // a takes the lease
        assertThat(throughB.send("GET", "/api/health", null).status()).isEqualTo(200); // b forwards to a
        assertThat(b.scrapeMetrics().sum("picobase_forwarded_requests_total")).isEqualTo(1.0);

        a.kill(); // its lease lives on for the TTL
        List<Future<RawHttp.Response>> sent = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            sent.add(clients.submit(() -> throughB.send("GET", "/api/health", null)));
        }
        int served = 0;
        int refused = 0;
        for (Future<RawHttp.Response> f : sent) {
            RawHttp.Response r = f.get(60, TimeUnit.SECONDS);
            if (r.status() == 200) {
                served++;
            } else {
                assertThat(r.status()).as(r.text()).isEqualTo(503);
                assertThat(r.header("Retry-After")).isNotNull();
                refused++;
            }
        }

        assertThat(served).as("held until b took the instance over, then served").isBetween(1, HOLD_MAX);
        assertThat(refused).as("past the bound, answered at once").isGreaterThanOrEqualTo(REQUESTS - HOLD_MAX);
        assertThat(b.store().leaseOf(tenant.id()).orElseThrow().nodeId()).isEqualTo("node-b");
        assertThat(throughB.send("GET", "/api/health", null).status()).isEqualTo(200);
    }
}
