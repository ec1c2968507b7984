package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.model.Lease;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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

    private RunningApi a;
    private RunningApi b;
    private ApiClient.SignedIn user;
    private ApiClient onB;

    @BeforeEach
    void startTwoNodes() {
        Map<String, String> shared = new HashMap<>(StorageKind.S3PROXY.environment(dir)); // one bucket for both
        shared.put("PICOBASE_LEASE_TTL", "3s");
        shared.put("PICOBASE_LEASE_RENEW_INTERVAL", "500ms");
        shared.put("PICOBASE_IDLE_TIMEOUT", "1h");
        a = node(shared, "node-a", dir.resolve("a"), 0);
        b = node(shared, "node-b", dir.resolve("b"), 1000);
        user = a.client().signUpAndSignIn();
        onB = b.client().withToken(user.token()); // sessions live in the shared database
    }

    private static RunningApi node(Map<String, String> shared, String id, Path dataDir, int portOffset) {
        Map<String, String> env = new HashMap<>(shared);
        env.putAll(StoreKind.LIBSQL.environment(dataDir));
        env.put("PICOBASE_NODE_ID", id);
        env.put("INSTANCES_BASE_PORT", Integer.toString(30000 + portOffset + (int) (ProcessHandle.current().pid() % 500)));
        return RunningApi.start(StoreKind.LIBSQL, dataDir, env, Clock.systemUTC());
    }

    @AfterEach
    void stopNodes() {
        try {
            if (b != null) {
                b.close();
            }
        } finally {
            if (a != null) {
                a.close();
            }
        }
    }

    @Test
    void aSecondNodeRefusesToStartAnInstanceTheFirstRuns() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(send(a, tenant, "GET", "/api/health", null).status()).isEqualTo(200);

        RawHttp.Response onSecond = send(b, tenant, "GET", "/api/health", null);

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
        Map<String, JsonNode> nodes = new HashMap<>();
        cluster.path("nodes").forEach(n -> nodes.put(n.path("id").asText(), n));
        assertThat(nodes).containsKeys("node-a", "node-b");
        // The default address is the host name and the port the gateway got (tests bind port 0).
        assertThat(nodes.get("node-a").path("address").asText()).endsWith(":" + a.gatewayPort());
        assertThat(nodes.get("node-a").path("instancesHeld").asInt()).isEqualTo(1);
        assertThat(nodes.get("node-b").path("instancesHeld").asInt()).isZero();
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
        createAdminAndNotes(a, tenant);
        String first = writeNote(a, tenant, "written through node a");
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);
        assertThat(a.store().leaseOf(tenant.id()).orElseThrow().live()).as("the stop gave the lease back").isFalse();

        String second = writeNote(b, tenant, "written through node b"); // b takes the lease, restores a's save
        assertThat(notes(b, tenant)).containsExactlyInAnyOrder(first, second);
        assertThat(onB.post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);

        // a still has its own copy from before b's run: stale now, so a restores b's snapshot instead.
        assertThat(notes(a, tenant)).containsExactlyInAnyOrder(first, second);
        Lease lease = a.store().leaseOf(tenant.id()).orElseThrow();
        assertThat(lease.nodeId()).isEqualTo("node-a");
        assertThat(lease.epoch()).as("taken three times").isEqualTo(3);
    }

    private String token;

    private void createAdminAndNotes(RunningApi node, ApiClient.Tenant tenant) {
        RawHttp.Response created = send(node, tenant, "POST", "/api/admins", ApiClient.json("email", ADMIN,
                "password", PASSWORD, "passwordConfirm", PASSWORD));
        assertThat(created.status()).as(created.text()).isEqualTo(200);
        signIn(node, tenant);
        RawHttp.Response collection = send(node, tenant, "POST", "/api/collections", """
                {"name": "notes", "type": "base", "schema": [{"name": "text", "type": "text", "required": true}]}
                """);
        assertThat(collection.status()).as(collection.text()).isEqualTo(200);
    }

    private void signIn(RunningApi node, ApiClient.Tenant tenant) {
        token = null;
        RawHttp.Response signIn = send(node, tenant, "POST", "/api/admins/auth-with-password",
                ApiClient.json("identity", ADMIN, "password", PASSWORD));
        assertThat(signIn.status()).as(signIn.text()).isEqualTo(200);
        token = signIn.json().path("token").asText();
    }

    private String writeNote(RunningApi node, ApiClient.Tenant tenant, String text) {
        RawHttp.Response write = send(node, tenant, "POST", "/api/collections/notes/records", ApiClient.json("text", text));
        assertThat(write.status()).as(write.text()).isEqualTo(200);
        return write.json().path("text").asText();
    }

    private Set<String> notes(RunningApi node, ApiClient.Tenant tenant) {
        RawHttp.Response list = send(node, tenant, "GET", "/api/collections/notes/records?perPage=500&fields=text", null);
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        Set<String> texts = new TreeSet<>();
        for (JsonNode item : list.json().path("items")) {
            texts.add(item.path("text").asText());
        }
        return texts;
    }

    private RawHttp.Response send(RunningApi node, ApiClient.Tenant tenant, String method, String path, String json) {
        String body = json == null ? "" : json;
        int port = node.gatewayPort();
        try (RawHttp http = RawHttp.connect(port)) {
            http.send(method + " " + path + " HTTP/1.1\r\nHost: " + tenant.subdomain() + ".localhost:" + port
                    + "\r\napikey: " + tenant.key()
                    + (token == null ? "" : "\r\nAuthorization: " + token)
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n");
            http.send(body.getBytes(StandardCharsets.UTF_8));
            return http.readResponse();
        }
    }
}
