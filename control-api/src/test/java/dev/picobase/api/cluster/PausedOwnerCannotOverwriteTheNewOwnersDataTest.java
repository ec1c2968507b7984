package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zombie owner of the "Cluster mode" issue, with real processes: node A (a platform in its own
 * JVM) runs an instance and holds unsaved writes when its JVM is frozen ({@code kill -STOP}) past
 * the lease TTL — a long GC pause, a suspended VM. Node B takes the instance over from the current
 * snapshot and takes writes. When A runs again ({@code kill -CONT}) it believes for a moment that it
 * still owns the instance. What could go wrong before leases: A went on serving its stale copy and
 * its next save moved the snapshot pointer over B's writes. Now A serves nothing more (its lease is
 * judged lost on its own monotonic clock), stops its PocketBase, cannot move the pointer (its epoch is
 * old), and its unsaved write is kept as a backup that is not current, listed with the node that
 * saved it and a note saying why (both new in the backups listing), so the owner can restore it.
 *
 * <p>PocketBase is a child of A in a process group of its own and keeps running while A's JVM is
 * frozen, as it would in production; nothing routes to it then.
 */
@Timeout(120)
class PausedOwnerCannotOverwriteTheNewOwnersDataTest {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";

    @RegisterExtension
    final PlatformProcesses platforms = new PlatformProcesses();

    @TempDir
    Path dir;

    private PlatformProcess a;
    private RunningApi b;

    @AfterEach
    void stopNodes() {
        try {
            if (a != null) {
                a.resume(); // never leave a frozen JVM behind; the extension then stops it
            }
        } finally {
            if (b != null) {
                b.close();
            }
        }
    }

    @Test
    void aPausedOwnerServesNothingMoreAndKeepsItsUnsavedWritesAsABackup() {
        String bucket = S3ProxyServer.shared().newBucket();
        a = platforms.start("node-a", ClusterNode.settings("node-a", bucket, "0s"), false); // only stops save
        Map<String, String> onB = new HashMap<>(ClusterNode.settings("node-b", bucket, "0s"));
        onB.putAll(StoreKind.LIBSQL.environment(dir.resolve("b")));
        onB.put("INSTANCES_BASE_PORT", Integer.toString(PlatformProcess.freeInstancesBasePort()));
        b = RunningApi.start(StoreKind.LIBSQL, dir.resolve("b"), onB, Clock.systemUTC());

        ApiClient.SignedIn user = a.client().signUpAndSignIn();
        ApiClient userOnB = b.client().withToken(user.token()); // sessions live in the shared database
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        TenantGateway throughA = new TenantGateway(a.gatewayPort(), tenant.subdomain(), tenant.key())
                .asNewAdmin(ADMIN, PASSWORD);
        throughA.createNotes();
        throughA.writeNote("a1");
        assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200); // saved, lease back
        Snapshot saved = b.store().latestSnapshot(id).orElseThrow();
        throughA.writeNote("a2"); // A takes the lease again and runs from its own copy; a2 is saved nowhere
        assertThat(b.store().leaseOf(id).orElseThrow().nodeId()).isEqualTo("node-a");
        Path dataOfA = platforms.dataDir().resolve("instances").resolve(id);
        assertThat(PlatformProcess.pocketBasesUnder(dataOfA)).as("A's PocketBase for the instance").hasSize(1);

        a.pause();
        TenantGateway throughB = throughA.on(b.gatewayPort());
        // While A's lease lives, B refuses; once the TTL has passed, B takes the instance over.
        List<RawHttp.Response> refusals = new ArrayList<>();
        AtomicReference<RawHttp.Response> served = new AtomicReference<>();
        Deadline.await("node b to take the instance over", Duration.ofSeconds(20), () -> {
            RawHttp.Response r = throughB.send("GET", "/api/health", null);
            if (r.status() == 200) {
                served.set(r);
                return true;
            }
            refusals.add(r);
            return false;
        });
        assertThat(refusals).as("B refused while A's lease lived").isNotEmpty();
        RawHttp.Response refused = refusals.get(0);
        assertThat(refused.status()).as(refused.text()).isEqualTo(503);
        assertThat(refused.json().path("error").path("code").asText()).isEqualTo("instance_elsewhere");
        assertThat(refused.text()).contains("node-a");
        assertThat(texts(throughB.notes())).as("B starts from the current snapshot").containsExactly("a1");
        throughB.writeNote("b1");
        assertThat(b.store().leaseOf(id).orElseThrow().nodeId()).isEqualTo("node-b");

        a.resume();
        // A's first request after waking: its lease is past its margin by A's own clock, so A serves
        // nothing from its stale copy (it would have answered a1 and a2).
        RawHttp.Response onA = throughA.send("GET", "/api/collections/notes/records?fields=text", null);
        assertThat(onA.status()).as(onA.text()).isEqualTo(503);
        assertThat(onA.json().path("error").path("code").asText()).isEqualTo("instance_elsewhere");
        assertThat(onA.text()).contains("node-b");

        // A notices its lease is lost, stops its PocketBase and keeps a2 as a backup that is not current.
        AtomicReference<JsonNode> aside = new AtomicReference<>();
        Deadline.await("A's unsaved writes to be listed as a backup", Duration.ofSeconds(15), () -> {
            for (JsonNode backup : userOnB.get("/api/instances/" + id + "/backups").json().path("backups")) {
                if ("node-a".equals(backup.path("nodeId").textValue()) && !backup.path("current").asBoolean()
                        && !backup.path("id").asText().equals(saved.id())) {
                    aside.set(backup);
                    return true;
                }
            }
            return false;
        });
        assertThat(aside.get().path("note").asText()).contains("node-a").contains("lost the instance's lease");
        Deadline.await("A's PocketBase for the instance to be gone", Duration.ofSeconds(10),
                () -> PlatformProcess.pocketBasesUnder(dataOfA).isEmpty());
        assertThat(throughA.send("GET", "/api/health", null).status()).as("A still serves nothing").isEqualTo(503);

        // B's data is untouched: the pointer did not move, B still serves a1 and b1, not a2.
        assertThat(b.store().latestSnapshot(id).orElseThrow().id()).isEqualTo(saved.id());
        assertThat(texts(throughB.notes())).containsExactlyInAnyOrder("a1", "b1");
        assertThat(b.store().leaseOf(id).orElseThrow().nodeId()).isEqualTo("node-b");
        JsonNode current = currentBackup(userOnB, id);
        assertThat(current.path("id").asText()).isEqualTo(saved.id());
        assertThat(current.path("nodeId").asText()).isEqualTo("node-a");
        assertThat(current.path("note").isNull()).as("an ordinary save has no note").isTrue();

        // The writes were not thrown away: restoring the backup (through B, which runs the instance)
        // brings a2 back. The restore saves B's data first, as a backup of its own.
        assertThat(userOnB.post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
        ApiClient.Reply restored = userOnB.post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", aside.get().path("id").asText()));
        assertThat(restored.status()).as(restored.text()).isEqualTo(200);
        assertThat(texts(throughB.notes())).containsExactlyInAnyOrder("a1", "a2");
        assertThat(currentBackup(userOnB, id).path("id").asText()).isEqualTo(aside.get().path("id").asText());
    }

    private static JsonNode currentBackup(ApiClient client, String id) {
        for (JsonNode backup : client.get("/api/instances/" + id + "/backups").json().path("backups")) {
            if (backup.path("current").asBoolean()) {
                return backup;
            }
        }
        throw new AssertionError("no current backup of " + id);
    }

    /** The texts of notes listed as "id text". */
    private static Set<String> texts(Set<String> notes) {
        Set<String> texts = new TreeSet<>();
        notes.forEach(n -> texts.add(n.substring(n.indexOf(' ') + 1)));
        return texts;
    }
}
