package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.model.Lease;
import dev.picobase.testsupport.RawHttp;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: two platforms pointed at one Turso database and one bucket both started the same
 * instance; writes acknowledged through each were seen only by that node, and whichever stopped last
 * moved the snapshot pointer and silently dropped the other's writes. With a shared (libSQL) metadata
 * database, an instance now starts only under its lease: a second node refuses to start it (503 with
 * {@code Retry-After} until requests are forwarded), and once the owner stops (saved, lease given
 * back) the other node takes the lease and starts from the current snapshot — a local copy that
 * another node's run made stale is discarded, never served or saved over the newer data.
 *
 * <p>Two real platforms in this JVM (each its own data directory, ports and node id) on one real
 * sqld and one S3Proxy bucket, with real PocketBase processes.
 */
@Timeout(180)
class TwoNodesRunEachInstanceOnOneNodeTest {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";

    @TempDir
    Path dir;

    private TwoNodes nodes;
    private RunningApi a;
    private RunningApi b;
    private ApiClient.SignedIn user;
    private ApiClient onB;

    @BeforeEach
    void startTwoNodes() {
        // No cluster secret: a node without the lease refuses instead of forwarding.
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_LEASE_TTL", "3s", "PICOBASE_LEASE_RENEW_INTERVAL", "500ms"));
        a = nodes.a;
        b = nodes.b;
        user = a.client().signUpAndSignIn();
        onB = b.client().withToken(user.token()); // sessions live in the shared database
    }

    @AfterEach
    void stopNodes() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aSecondNodeRefusesToStartAnInstanceTheFirstRuns() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(TwoNodes.through(a, tenant).send("GET", "/api/health", null).status()).isEqualTo(200);

        RawHttp.Response onSecond = TwoNodes.through(b, tenant).send("GET", "/api/health", null);

        assertThat(onSecond.status()).as(onSecond.text()).isEqualTo(503);
        assertThat(onSecond.header("Retry-After")).isNotNull();
        assertThat(onSecond.json().path("error").path("code").asText()).isEqualTo("instance_elsewhere");
        assertThat(a.platform().lifecycle().running(tenant.id())).isPresent();
        assertThat(b.platform().lifecycle().running(tenant.id())).as("no second PocketBase").isEmpty();
        Lease lease = a.store().leaseOf(tenant.id()).orElseThrow();
        assertThat(lease.nodeId()).isEqualTo("node-a");
        assertThat(lease.live()).isTrue();
        ApiClient.Reply stopOnB = onB.post("/api/instances/" + tenant.id() + "/stop");
        assertThat(stopOnB.status()).as("a stop must act where the instance runs").isEqualTo(409);
        assertThat(stopOnB.errorCode()).isEqualTo("served_elsewhere");
        assertThat(a.platform().lifecycle().running(tenant.id())).isPresent();

        // What operators see: both nodes in the listing of either, and the lease in the owner's metrics.
        JsonNode cluster = readTree(http("http://127.0.0.1:" + b.managementPort() + "/cluster"));
        assertThat(cluster.path("self").asText()).isEqualTo("node-b");
        Map<String, JsonNode> listed = new HashMap<>();
        cluster.path("nodes").forEach(n -> listed.put(n.path("id").asText(), n));
        assertThat(listed).containsKeys("node-a", "node-b");
        assertThat(listed.get("node-a").path("address").asText()).endsWith(":" + a.gatewayPort());
        assertThat(listed.get("node-a").path("instancesHeld").asInt()).isEqualTo(1);
        assertThat(listed.get("node-b").path("instancesHeld").asInt()).isZero();
        assertThat(a.scrapeMetrics().sum("picobase_leases_held")).isEqualTo(1.0);
        assertThat(b.scrapeMetrics().sum("picobase_leases_held")).isZero();
    }

    private static JsonNode readTree(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String http(String url) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aStoppedInstanceMovesToTheOtherNodeWithEveryWriteAndBack() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway throughA = TwoNodes.through(a, tenant).asNewAdmin(ADMIN, PASSWORD);
        throughA.createNotes();
        TenantGateway throughB = throughA.on(b.gatewayPort());
        String first = throughA.writeNote("written through node a");
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);
        assertThat(a.store().leaseOf(tenant.id()).orElseThrow().live()).as("the stop gave the lease back").isFalse();

        String second = throughB.writeNote("written through node b"); // b takes the lease, restores a's save
        assertThat(throughB.notes()).containsExactlyInAnyOrder(first, second);
        assertThat(onB.post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);

        // a still has its own copy from before b's run: stale now, so a restores b's snapshot instead.
        assertThat(throughA.notes()).containsExactlyInAnyOrder(first, second);
        Lease lease = a.store().leaseOf(tenant.id()).orElseThrow();
        assertThat(lease.nodeId()).isEqualTo("node-a");
        assertThat(lease.epoch()).as("taken three times").isEqualTo(3);
    }
}
