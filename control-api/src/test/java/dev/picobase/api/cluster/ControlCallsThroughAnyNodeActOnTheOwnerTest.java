package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.model.Lease;
import dev.picobase.proxy.ClusterHop;
import dev.picobase.testsupport.Deadline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Start, stop, logs, restore and delete through any node's control API act on the owner." What
 * could go wrong: a node that does not run the instance answered 409 (the user had to find the owner),
 * read its own stale log, or deleted the rows and objects while the owner kept running PocketBase and
 * saving snapshots into a deleted instance. Now the call goes to the node holding the lease, with the
 * caller's session and the cluster secret, and its answer comes back as it is: the logs are the
 * owner's, a stop stops the owner's PocketBase and frees the lease, a restore replaces the data where
 * it runs, and a delete removes the process and the local copy on the owner, the route on both nodes
 * at once. A call carrying the cluster header with a wrong secret is refused.
 */
@Timeout(180)
class ControlCallsThroughAnyNodeActOnTheOwnerTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";

    @TempDir
    Path dir;

    private TwoNodes nodes;
    private RunningApi a;
    private RunningApi b;

    @BeforeEach
    void startNodes() {
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_CLUSTER_SECRET", SECRET));
        a = nodes.a;
        b = nodes.b;
    }

    @AfterEach
    void stopNodes() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void logsStopRestoreAndDeleteThroughTheOtherNodeActWhereTheInstanceRuns() throws Exception {
        ApiClient.SignedIn user = a.client().signUpAndSignIn();
        ApiClient onA = user.client();
        ApiClient onB = b.client().withToken(user.token());
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        TenantGateway throughA = TwoNodes.through(a, tenant).asNewAdmin(ADMIN, PASSWORD); // a takes the lease
        throughA.createNotes();
        String first = throughA.writeNote("before the backup");
        assertThat(owner(id)).isEqualTo("node-a");

        // Logs through b are a's: PocketBase printed its start-up there, b has no copy of it.
        ApiClient.Reply logs = onB.get("/api/instances/" + id + "/logs");
        assertThat(logs.status()).as(logs.text()).isEqualTo(200);
        assertThat(logs.headers().firstValue("X-PicoBase-Node")).as("answered by the owner").contains("node-a");
        assertThat(lines(logs.json())).isNotEmpty().isEqualTo(lines(onA.get("/api/instances/" + id + "/logs").json()));
        assertThat(dir.resolve("b/instances").resolve(id)).as("b never had a copy").doesNotExist();

        // A stop through b stops a's PocketBase, saves it, and frees the lease.
        ApiClient.Reply stop = onB.post("/api/instances/" + id + "/stop");
        assertThat(stop.status()).as(stop.text()).isEqualTo(200);
        assertThat(stop.headers().firstValue("X-PicoBase-Node")).contains("node-a");
        assertThat(stop.json().path("status").asText()).isEqualTo("stopped");
        assertThat(a.platform().lifecycle().running(id)).isEmpty();
        assertThat(a.store().leaseOf(id).map(Lease::live)).contains(false);
        String backup = onA.get("/api/instances/" + id + "/backups").json().path("backups").get(0).path("id").asText();

        // Now b runs it (a request through b takes the lease) and a write lands there.
        TenantGateway throughB = throughA.on(b.gatewayPort());
        String second = throughB.writeNote("after the backup");
        assertThat(owner(id)).isEqualTo("node-b");

        // A restore through a acts on b: the write after the backup is gone, where the instance runs.
        ApiClient.Reply restore = onA.post("/api/instances/" + id + "/restore", ApiClient.json("snapshotId", backup));
        assertThat(restore.status()).as(restore.text()).isEqualTo(200);
        assertThat(restore.headers().firstValue("X-PicoBase-Node")).contains("node-b");
        assertThat(throughB.notes()).containsExactly(first).doesNotContain(second);
        assertThat(a.platform().lifecycle().running(id)).as("a never ran it again").isEmpty();

        // A start through a when b runs it answers b's running instance; nothing starts on a.
        ApiClient.Reply start = onA.post("/api/instances/" + id + "/start");
        assertThat(start.status()).as(start.text()).isEqualTo(200);
        assertThat(start.json().path("status").asText()).isEqualTo("running");
        assertThat(owner(id)).isEqualTo("node-b");
        assertThat(a.platform().lifecycle().running(id)).isEmpty();

        // A delete through a removes b's PocketBase and copy, and the route on both nodes at once.
        Path onNodeB = dir.resolve("b/instances").resolve(id);
        assertThat(onNodeB).isDirectory();
        ApiClient.Reply delete = onA.delete("/api/instances/" + id);
        assertThat(delete.status()).as(delete.text()).isEqualTo(204);
        assertThat(delete.headers().firstValue("X-PicoBase-Node")).contains("node-b");
        assertThat(b.platform().lifecycle().running(id)).isEmpty();
        assertThat(onNodeB).doesNotExist();
        assertThat(throughA.send("GET", "/api/health", null).status()).isEqualTo(404);
        assertThat(throughB.send("GET", "/api/health", null).status()).isEqualTo(404);
        assertThat(a.store().findInstance(id)).isEmpty();
        assertThat(onA.get("/api/instances/" + id).status()).isEqualTo(404);
    }

    @Test
    void aCallWithTheClusterHeaderAndAWrongSecretIsRefused() {
        ApiClient.SignedIn user = a.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(TwoNodes.through(a, tenant).send("GET", "/api/health", null).status()).isEqualTo(200);

        ApiClient.Reply forged = b.client().withToken(user.token()).withHeader(ClusterHop.HEADER, "not-the-secret")
                .post("/api/instances/" + tenant.id() + "/stop");

        assertThat(forged.status()).as(forged.text()).isEqualTo(403);
        assertThat(forged.errorCode()).isEqualTo("cluster_hop_refused");
        assertThat(a.platform().lifecycle().running(tenant.id())).isPresent();
        Deadline.await("the instance still answers", Duration.ofSeconds(5),
                () -> TwoNodes.through(b, tenant).send("GET", "/api/health", null).status() == 200);
    }

    private String owner(String id) {
        return a.store().leaseOf(id).filter(Lease::live).map(Lease::nodeId).orElse("nobody");
    }

    private static List<String> lines(JsonNode reply) {
        List<String> lines = new ArrayList<>();
        reply.path("lines").forEach(l -> lines.add(l.asText()));
        return lines;
    }
}
