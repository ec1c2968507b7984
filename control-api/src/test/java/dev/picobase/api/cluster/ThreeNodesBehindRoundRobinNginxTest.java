package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.SdkJourney;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Cluster mode" issue's promises, checked on three real node processes behind Debian's nginx
 * balancing round-robin ({@link ThreeNodes}), where consecutive requests of one subdomain land on
 * different nodes and two of every three must go one hop to the lease owner. What could go wrong, and
 * what each test proves:
 * <ul>
 * <li>an instance created through one node's control API stayed unknown for a while on the others (a
 *     route table filled at start): here the first requests through nginx, on all three nodes, answer;</li>
 * <li>a herd of first requests spread over the nodes started a PocketBase on each node that saw one, or
 *     answered the losers 5xx: here exactly one PocketBase runs cluster-wide, one cold start is counted,
 *     and all 300 requests are answered 200;</li>
 * <li>what a tenant's SDK does beyond plain requests (uploads streamed through, realtime over SSE)
 *     broke on the hop between two gateways: here the official JS SDK's whole journey runs against a
 *     node that forwards every request;</li>
 * <li>a key deleted through one node kept working on the others: here it is refused by the other two
 *     within a second.</li>
 * </ul>
 * The nodes are started once for the class (three JVM boots are the slow part); each test uses its own
 * user's instance.
 */
@Timeout(240)
class ThreeNodesBehindRoundRobinNginxTest {
    private static final int HERD = 300;
    private static final Duration REVOCATION = Duration.ofSeconds(1);

    @TempDir
    static Path dir;

    private static ThreeNodes nodes;
    private static ApiClient.SignedIn user;

    @BeforeAll
    static void startCluster() {
        nodes = ThreeNodes.start(dir);
        user = nodes.node(1).client().signUpAndSignIn();
    }

    @AfterAll
    static void stopCluster() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void anInstanceCreatedThroughNodeOneIsServedThroughTheBalancerAtOnce() {
        double[] before = gatewayRequestsPerNode();

        ApiClient.Tenant tenant = user.createInstanceWithKey(); // through node 1's control API
        TenantGateway balanced = nodes.throughBalancer(tenant);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 2 * ThreeNodes.COUNT; i++) { // round-robin: twice through each node
            statuses.add(balanced.send("GET", "/api/health", null).status());
        }

        assertThat(statuses).as("the first requests, with no wait after the create").containsOnly(200);
        double[] after = gatewayRequestsPerNode();
        for (int n = 1; n <= ThreeNodes.COUNT; n++) {
            assertThat(after[n - 1] - before[n - 1]).as("requests node-%d answered", n).isPositive();
        }
        assertThat(nodes.pocketBasesOf(tenant.id())).isEqualTo(1);
    }

    @Test
    void threeHundredConcurrentFirstRequestsOverThreeNodesStartOnePocketBase() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway balanced = nodes.throughBalancer(tenant);
        double coldStartsBefore = nodes.sum("picobase_cold_starts_total");
        double[] forwardedBefore = perNode("picobase_forwarded_requests_total");
        Map<String, LongAdder> answers = new ConcurrentHashMap<>();

        ExecutorService clients = Executors.newFixedThreadPool(HERD);
        try {
            CountDownLatch ready = new CountDownLatch(HERD);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < HERD; i++) {
                sent.add(clients.submit(() -> {
                    ready.countDown();
                    go.await();
                    answers.computeIfAbsent(describe(balanced), k -> new LongAdder()).increment();
                    return null;
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).as("all %d clients ready", HERD).isTrue();
            go.countDown();
            for (Future<?> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }

        Map<String, Long> seen = new TreeMap<>();
        answers.forEach((k, v) -> seen.put(k, v.sum()));
        System.out.println("herd of " + HERD + " through nginx: " + seen);
        assertThat(seen).as("every answer").isEqualTo(Map.of("200", (long) HERD));
        assertThat(nodes.pocketBasesOf(tenant.id())).as("PocketBase processes for the instance, cluster-wide")
                .isEqualTo(1);
        assertThat(nodes.sum("picobase_cold_starts_total") - coldStartsBefore).as("cold starts, cluster-wide")
                .isEqualTo(1.0);
        int owner = nodes.ownerOf(tenant.id());
        double[] forwarded = perNode("picobase_forwarded_requests_total");
        for (int n = 1; n <= ThreeNodes.COUNT; n++) {
            double hops = forwarded[n - 1] - forwardedBefore[n - 1];
            if (n == owner) {
                assertThat(hops).as("requests the owner node-%d forwarded", n).isZero();
            } else {
                assertThat(hops).as("requests node-%d (not the owner) forwarded to node-%d", n, owner).isPositive();
            }
        }
    }

    @Test
    void theJsSdkJourneyWorksThroughANodeThatForwardsEveryRequest() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(nodes.through(1, tenant).send("GET", "/api/health", null).status()).isEqualTo(200);
        assertThat(nodes.ownerOf(tenant.id())).as("node-1 woke the instance and holds it").isEqualTo(1);
        double forwardedBefore = nodes.metric(2, "picobase_forwarded_requests_total");

        SdkJourney.completes("http://" + tenant.subdomain() + ".localhost:" + nodes.node(2).gatewayPort(),
                tenant.key());

        double forwarded = nodes.metric(2, "picobase_forwarded_requests_total") - forwardedBefore;
        System.out.println("node-2 forwarded " + forwarded + " of the journey's requests to node-1");
        // Every step but the two refused ones is at least one request (the realtime stream is one more).
        assertThat(forwarded).as("requests node-2 forwarded to node-1").isGreaterThanOrEqualTo(15);
        assertThat(nodes.ownerOf(tenant.id())).as("still only node-1 runs the instance").isEqualTo(1);
    }

    @Test
    void aKeyRevokedThroughNodeTwoIsRefusedByNodesOneAndThreeWithinASecond() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String keyId = user.client().get("/api/instances/" + tenant.id() + "/keys").json().path("keys").get(0)
                .path("id").asText();
        int[] others = {1, 3};
        for (int n : others) { // each node has checked the key and cached it as valid
            assertThat(nodes.through(n, tenant).send("GET", "/api/health", null).status()).isEqualTo(200);
        }

        ApiClient.Reply revoked = nodes.node(2).client().withToken(user.token())
                .delete("/api/instances/" + tenant.id() + "/keys/" + keyId);
        long revokedAt = System.nanoTime();

        assertThat(revoked.status()).as(revoked.text()).isEqualTo(204);
        long[] refusedAfterMillis = {-1, -1};
        Deadline.await("nodes 1 and 3 to refuse the key revoked through node 2", REVOCATION, () -> {
            for (int i = 0; i < others.length; i++) {
                if (refusedAfterMillis[i] < 0 && nodes.through(others[i], tenant).send("GET", "/api/health", null)
                        .status() == 401) {
                    refusedAfterMillis[i] = (System.nanoTime() - revokedAt) / 1_000_000;
                }
            }
            return refusedAfterMillis[0] >= 0 && refusedAfterMillis[1] >= 0;
        });
        System.out.println("revoked key refused by node-1 after " + refusedAfterMillis[0] + " ms, by node-3 after "
                + refusedAfterMillis[1] + " ms");
    }

    /** One request through nginx, as "200", "503 Retry-After: 1" or what went wrong. */
    private static String describe(TenantGateway gateway) {
        try {
            RawHttp.Response r = gateway.send("GET", "/api/health", null);
            return r.status() == 503 ? "503 Retry-After: " + r.header("Retry-After") : Integer.toString(r.status());
        } catch (RuntimeException | AssertionError e) {
            return "no answer: " + e;
        }
    }

    private static double[] gatewayRequestsPerNode() {
        return perNode("picobase_gateway_requests_total");
    }

    private static double[] perNode(String metric) {
        double[] values = new double[ThreeNodes.COUNT];
        for (int n = 1; n <= ThreeNodes.COUNT; n++) {
            values[n - 1] = nodes.metric(n, metric);
        }
        return values;
    }
}
