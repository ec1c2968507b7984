package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.Deadline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the platform loses no acknowledged write. The platform runs as its own JVM
 * ({@link PlatformProcess}); an instance takes twenty record writes through the gateway, each
 * acknowledged with a 200, while it has never been saved; then the platform is killed with no
 * chance to save anything, and started again on the same data directory and instance port range.
 *
 * <p>After the restart every acknowledged record must be readable through the gateway; recovery
 * must have saved the local data as a new snapshot (the instance had none); that snapshot must hold
 * every record (restored explicitly); and a stop, loss of the local copy and a start must bring them
 * all back from object storage. Run with the PocketBase child left running as an orphan (what a lone
 * {@code kill -9} of the JVM leaves) and killed as well (a container or cgroup kill), and once with
 * the instance saved and stopped halfway, so the last writes land on a local copy that had matched
 * a snapshot (it must not still be taken for saved).
 */
@Timeout(120)
class PlatformCrashRecoveryTest {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";
    private static final int WRITES = 20;

    @RegisterExtension
    final PlatformProcesses platforms = new PlatformProcesses();

    @Test
    void everyAcknowledgedWriteSurvivesAKillOfThePlatformWhilePocketBaseLivesOn() {
        killThePlatformAndRecover(false, false);
    }

    @Test
    void everyAcknowledgedWriteSurvivesAKillOfThePlatformAndPocketBase() {
        killThePlatformAndRecover(true, false);
    }

    /** The local copy matched a snapshot once; writes after the next wake must not be taken as saved. */
    @Test
    void writesAfterAWakeFromASavedCopySurviveAKillOfThePlatform() {
        killThePlatformAndRecover(false, true);
    }

    private void killThePlatformAndRecover(boolean killPocketBaseToo, boolean stopHalfway) {
        PlatformProcess first = platforms.start("first");
        ApiClient.SignedIn user = first.client().signUpAndSignIn();
        JsonNode created = user.createInstance();
        String id = created.get("id").asText();
        TenantGateway tenant = new TenantGateway(first.gatewayPort(), created.get("subdomain").asText(),
                user.createKey(id).get("key").asText());
        TenantGateway admin = tenant.asNewAdmin(ADMIN, PASSWORD);
        admin.createNotes();
        Set<String> acknowledged = new TreeSet<>();
        for (int i = 0; i < WRITES; i++) {
            if (stopHalfway && i == WRITES / 2) { // saved and stopped; the next write wakes it on that copy
                ApiClient.Reply stopped = user.client().post("/api/instances/" + id + "/stop");
                assertThat(stopped.json().path("status").asText()).as(stopped.text()).isEqualTo("stopped");
            }
            acknowledged.add(admin.writeNote("note " + i));
        }
        assertThat(admin.notes()).as("acknowledged writes before the kill").isEqualTo(acknowledged);
        Set<String> savedBeforeTheKill = snapshotIds(backups(user.client(), id));
        assertThat(savedBeforeTheKill).hasSize(stopHalfway ? 1 : 0); // the last writes are only on local disk

        first.kill();
        assertThat(PlatformProcess.pocketBasesUnder(platforms.dataDir())).as("PocketBase outlives a kill -9 of PicoBase")
                .isNotEmpty();
        if (killPocketBaseToo) {
            PlatformProcess.killProcessesMentioning(platforms.dataDir());
        }

        PlatformProcess second = platforms.start("second");
        ApiClient owner = second.client().withToken(signInAgain(second.client(), user));
        TenantGateway after = admin.on(second.gatewayPort());

        assertThat(after.notes()).as("acknowledged writes readable after the restart").isEqualTo(acknowledged);

        Deadline.await("recovery to save the local data as a new snapshot", Duration.ofSeconds(30),
                () -> snapshotIds(backups(owner, id)).size() > savedBeforeTheKill.size());
        Set<String> newSnapshots = snapshotIds(backups(owner, id));
        newSnapshots.removeAll(savedBeforeTheKill);
        String recovered = newSnapshots.iterator().next();

        ApiClient.Reply stopped = owner.post("/api/instances/" + id + "/stop");
        assertThat(stopped.json().path("status").asText()).as(stopped.text()).isEqualTo("stopped");
        deleteLocalCopy(id);
        ApiClient.Reply started = owner.post("/api/instances/" + id + "/start");
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        assertThat(after.notes()).as("acknowledged writes after a stop and a start from object storage")
                .isEqualTo(acknowledged);

        ApiClient.Reply restored = owner.post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", recovered));
        assertThat(restored.status()).as(restored.text()).isEqualTo(200);
        assertThat(after.notes()).as("acknowledged writes in the snapshot recovery saved").isEqualTo(acknowledged);
        assertThat(second.output()).doesNotContain("Exception in thread");
    }

    private static String signInAgain(ApiClient api, ApiClient.SignedIn user) {
        ApiClient.Reply in = api.post("/api/auth/signin", ApiClient.json("email", user.email(), "password",
                user.password()));
        assertThat(in.status()).as(in.text()).isEqualTo(200);
        return in.json().path("token").asText();
    }

    private static JsonNode backups(ApiClient owner, String id) {
        ApiClient.Reply reply = owner.get("/api/instances/" + id + "/backups");
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json().path("backups");
    }

    private static Set<String> snapshotIds(JsonNode backups) {
        Set<String> ids = new TreeSet<>();
        backups.forEach(b -> ids.add(b.path("id").asText()));
        return ids;
    }

    private void deleteLocalCopy(String id) {
        try {
            FileTrees.delete(platforms.dataDir().resolve("instances").resolve(id).resolve("pb_data"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
