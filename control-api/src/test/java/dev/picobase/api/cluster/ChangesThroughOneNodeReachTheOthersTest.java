package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.Unique;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: each node filled its route table at start and learned of changes only through its
 * own control API. An instance deleted through node B kept its route on node A, whose PocketBase
 * kept running on the deleted instance's data; a subdomain looked up on A just before it was created
 * through B stayed unknown on A for the negative cache's window; a key deleted through B kept its open
 * streams on A. Now triggers log every creation and deletion in the metadata database and every node
 * applies the log every half second ({@code ClusterSync}): within about a second, on every node.
 */
@Timeout(120)
class ChangesThroughOneNodeReachTheOthersTest {
    private static final Duration WITHIN = Duration.ofMillis(1500); // the 500 ms poll, with room for a busy CI

    @TempDir
    Path dir;

    private TwoNodes nodes;
    private RunningApi a;
    private RunningApi b;
    private ApiClient.SignedIn user;
    private ApiClient onB;

    @BeforeEach
    void startTwoNodes() {
        nodes = TwoNodes.start(dir, Map.of());
        a = nodes.a;
        b = nodes.b;
        user = a.client().signUpAndSignIn();
        onB = b.client().withToken(user.token());
    }

    @AfterEach
    void stopNodes() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void anInstanceDeletedThroughOneNodeIsGoneFromTheNodeThatRanIt() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(send(a, tenant, "/api/health").status()).isEqualTo(200); // a runs it
        Path onA = a.dataDir().resolve("instances").resolve(tenant.id());
        assertThat(onA).isDirectory();

        ApiClient.Reply deleted = onB.delete("/api/instances/" + tenant.id());

        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        Deadline.await("node a to forget the deleted instance", WITHIN,
                () -> send(a, tenant, "/api/health").status() == 404);
        Deadline.await("node a to stop its PocketBase and remove its copy", WITHIN,
                () -> a.platform().lifecycle().running(tenant.id()).isEmpty() && !Files.exists(onA));
        try (ObjectStore objects = ObjectStore.of(a.config().objectStorage())) {
            assertThat(objects.list("instances/" + tenant.id() + "/")).as("no snapshot uploaded for it").isEmpty();
        }
    }

    @Test
    void anInstanceCreatedThroughOneNodeIsServedByAnotherAtOnce() {
        String subdomain = Unique.subdomain();
        RawHttp.Response before = sendTo(b, subdomain, "nokey", "/api/health");
        assertThat(before.status()).as("unknown on b, and remembered as unknown").isEqualTo(404);

        ApiClient.Reply created = user.client().post("/api/instances", ApiClient.json("name", "New", "subdomain",
                subdomain));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String key = user.createKey(created.json().path("id").asText()).path("key").asText();

        Deadline.await("node b to route the new subdomain", WITHIN,
                () -> sendTo(b, subdomain, key, "/api/health").status() == 200);
    }

    @Test
    void aKeyDeletedThroughOneNodeIsRefusedByTheOthers() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(send(a, tenant, "/api/health").status()).isEqualTo(200); // cached as valid on a
        String keyId = user.client().get("/api/instances/" + tenant.id() + "/keys").json().path("keys").get(0)
                .path("id").asText();

        ApiClient.Reply revoked = onB.delete("/api/instances/" + tenant.id() + "/keys/" + keyId);

        assertThat(revoked.status()).as(revoked.text()).isEqualTo(204);
        Deadline.await("node a to refuse the deleted key", WITHIN, () -> send(a, tenant, "/api/health").status() == 401);
    }

    /** Limits are counted per node, in memory; the setting reaches every node through the log. */
    @Test
    void aRateLimitSetThroughOneNodeIsEnforcedByTheOthers() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(send(a, tenant, "/api/health").header("RateLimit-Limit")).isNull();

        ApiClient.Reply set = onB.send("PATCH", "/api/instances/" + tenant.id(),
                "{\"rateLimit\":{\"requestsPerMinute\":2}}");

        assertThat(set.status()).as(set.text()).isEqualTo(200);
        Deadline.await("node a to count by the new limit", WITHIN,
                () -> "2".equals(send(a, tenant, "/api/health").header("RateLimit-Limit")));
        RawHttp.Response last = send(a, tenant, "/api/health");
        assertThat(last.status()).isIn(200, 429);
        RawHttp.Response past = send(a, tenant, "/api/health");
        assertThat(past.status()).isEqualTo(429);
        assertThat(past.header("Retry-After")).isNotNull();
    }

    private static RawHttp.Response send(RunningApi node, ApiClient.Tenant tenant, String path) {
        return TwoNodes.through(node, tenant).send("GET", path, null);
    }

    private static RawHttp.Response sendTo(RunningApi node, String subdomain, String key, String path) {
        int port = node.gatewayPort();
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET " + path + " HTTP/1.1\r\nHost: " + subdomain + ".localhost:" + port + "\r\napikey: " + key
                    + "\r\nConnection: close\r\n\r\n");
            return http.readResponse();
        }
    }
}
