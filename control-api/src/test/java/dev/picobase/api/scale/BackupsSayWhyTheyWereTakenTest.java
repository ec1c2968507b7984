package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.snapshot.SnapshotArchive;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StorageKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every backup says why it was taken, and "back up now" ({@code POST /api/instances/:id/backups})
 * takes one whenever asked. What could go wrong: a manual backup of a running instance that misses a
 * write acknowledged just before it (a copy of the last snapshot, or a torn file copy), a click that
 * adds nothing because nothing changed since the last snapshot, reasons mixed up (the save before a
 * restore recorded as a stop), or a backup taken for another user's or a deleted instance. The test
 * reads the backups list as the UI does, and the backups' databases from the object store.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(180)
class BackupsSayWhyTheyWereTakenTest extends PlatformPerStorageKind {
    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_IDLE_TIMEOUT", "1h", "PICOBASE_SNAPSHOT_INTERVAL", "1s",
                "PICOBASE_SNAPSHOT_RETENTION", "20");
    }

    @Test
    void aManualBackupOfARunningInstanceHoldsTheWriteJustBeforeIt() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        TenantGateway admin = gateway(tenant).asNewAdmin("admin@example.com", "1234567890");
        admin.createNotes();
        String note = admin.writeNote("written just before the backup");

        ApiClient.Reply taken = user.client().post("/api/instances/" + tenant.id() + "/backups");
        assertThat(taken.status()).as(taken.text()).isEqualTo(201);
        assertThat(taken.json().path("reason").asText()).isEqualTo("manual");
        assertThat(taken.json().path("current").asBoolean()).isTrue();
        String id = taken.json().path("id").asText();
        assertThat(reasonOf(tenant.id(), id)).isEqualTo("manual");
        assertThat(notesIn(snapshot(tenant.id(), id))).containsExactly(note);
        assertThat(user.client().get("/api/instances/" + tenant.id()).json().path("status").asText())
                .isEqualTo("running");

        // Nothing changed since: a click still adds a backup.
        ApiClient.Reply again = user.client().post("/api/instances/" + tenant.id() + "/backups");
        assertThat(again.status()).as(again.text()).isEqualTo(201);
        assertThat(again.json().path("id").asText()).isNotEqualTo(id);
        assertThat(reasonOf(tenant.id(), again.json().path("id").asText())).isEqualTo("manual");
        assertThat(notesIn(snapshot(tenant.id(), again.json().path("id").asText()))).containsExactly(note);
    }

    @Test
    void stopPeriodicBeforeRestoreAndManualAreListedAsSuch() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        TenantGateway admin = gateway(tenant).asNewAdmin("admin@example.com", "1234567890");
        admin.createNotes();
        String first = admin.writeNote("before the stop");
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);
        String stopped = api.store().latestSnapshot(tenant.id()).orElseThrow().id();
        assertThat(reasonOf(tenant.id(), stopped)).isEqualTo("stop");

        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        String second = admin.writeNote("after the stop");
        Deadline.await("a periodic backup", Duration.ofSeconds(30),
                () -> backups(tenant.id()).stream().anyMatch(b -> b.path("reason").asText().equals("periodic")));

        Set<String> before = ids(tenant.id());
        ApiClient.Reply restore = user.client().post("/api/instances/" + tenant.id() + "/restore",
                ApiClient.json("snapshotId", stopped));
        assertThat(restore.status()).as(restore.text()).isEqualTo(200);
        List<JsonNode> added = backups(tenant.id()).stream()
                .filter(b -> !before.contains(b.path("id").asText())).toList();
        // A periodic backup may have landed just before the restore took the instance's lock.
        assertThat(added).extracting(b -> b.path("reason").asText()).isSubsetOf("before_restore", "periodic");
        List<JsonNode> beforeRestore = added.stream()
                .filter(b -> b.path("reason").asText().equals("before_restore")).toList();
        assertThat(beforeRestore).hasSize(1);
        assertThat(notesIn(snapshot(tenant.id(), beforeRestore.get(0).path("id").asText())))
                .containsExactlyInAnyOrder(first, second);

        // Stopped, its data is the restored backup: the manual backup is an exact copy of it.
        ApiClient.Reply manual = user.client().post("/api/instances/" + tenant.id() + "/backups");
        assertThat(manual.status()).as(manual.text()).isEqualTo(201);
        assertThat(manual.json().path("reason").asText()).isEqualTo("manual");
        assertThat(manual.json().path("current").asBoolean()).isTrue();
        assertThat(manual.json().path("sha256").asText()).isEqualTo(snapshot(tenant.id(), stopped).sha256());
        assertThat(notesIn(snapshot(tenant.id(), manual.json().path("id").asText()))).containsExactly(first);
        assertThat(user.client().get("/api/instances/" + tenant.id()).json().path("status").asText())
                .isEqualTo("stopped");
    }

    @Test
    void nothingIsBackedUpForNoDataAnotherUserOrADeletedInstance() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        ApiClient.Reply never = user.client().post("/api/instances/" + tenant.id() + "/backups");
        assertThat(never.status()).isEqualTo(409);
        assertThat(never.errorCode()).isEqualTo("nothing_to_back_up");

        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        ApiClient.SignedIn other = api.client().signUpAndSignIn();
        ApiClient.Reply foreign = other.client().post("/api/instances/" + tenant.id() + "/backups");
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.errorCode()).isEqualTo("not_found");

        assertThat(user.client().delete("/api/instances/" + tenant.id()).status()).isEqualTo(204);
        ApiClient.Reply deleted = user.client().post("/api/instances/" + tenant.id() + "/backups");
        assertThat(deleted.status()).isEqualTo(404);
        assertThat(deleted.errorCode()).isEqualTo("not_found");
    }

    private List<JsonNode> backups(String instanceId) {
        List<JsonNode> all = new ArrayList<>();
        user.client().get("/api/instances/" + instanceId + "/backups").json().path("backups").forEach(all::add);
        return all;
    }

    private Set<String> ids(String instanceId) {
        Set<String> ids = new TreeSet<>();
        backups(instanceId).forEach(b -> ids.add(b.path("id").asText()));
        return ids;
    }

    private String reasonOf(String instanceId, String snapshotId) {
        return backups(instanceId).stream().filter(b -> b.path("id").asText().equals(snapshotId)).findFirst()
                .orElseThrow().path("reason").asText();
    }

    private Snapshot snapshot(String instanceId, String snapshotId) {
        return api.store().listSnapshots(instanceId).stream().filter(s -> s.id().equals(snapshotId)).findFirst()
                .orElseThrow();
    }

    /** The notes in {@code snapshot}'s database, as "id text", read from the object store. */
    private List<String> notesIn(Snapshot snapshot) throws Exception {
        Path work = Files.createTempDirectory(dir, "backup-");
        Path zip = work.resolve("backup.zip");
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            objects.get(snapshot.objectKey(), zip);
        }
        assertThat(SnapshotArchive.sha256Of(zip)).isEqualTo(snapshot.sha256());
        SnapshotArchive.extract(zip, work.resolve("pb_data"));
        List<String> notes = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + work.resolve("pb_data/data.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT id, text FROM notes ORDER BY id")) {
            while (rs.next()) {
                notes.add(rs.getString("id") + " " + rs.getString("text"));
            }
        }
        return notes;
    }
}
