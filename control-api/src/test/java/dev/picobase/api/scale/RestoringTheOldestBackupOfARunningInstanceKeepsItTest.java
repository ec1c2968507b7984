package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.StorageKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What went wrong: the restore route picked the snapshot before taking the instance's lock; the
 * restore then stopped the running instance, the stop's save pruned the oldest snapshot (retention),
 * which was the one being restored, and the restore failed with 500 "no object ...". The snapshot is
 * now looked up under the lock, and the saves a restore makes never prune the snapshot it restores.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(120)
class RestoringTheOldestBackupOfARunningInstanceKeepsItTest extends PlatformPerStorageKind {
    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_IDLE_TIMEOUT", "1h", "PICOBASE_SNAPSHOT_RETENTION", "3",
                "PICOBASE_SNAPSHOT_INTERVAL", "0s");
    }

    @Test
    void theOldestBackupOfARunningInstanceIsRestoredAndKept() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        TenantGateway admin = gateway(tenant).asNewAdmin("owner@example.com", "a-long-password-1");
        admin.createNotes();
        String first = admin.writeNote("in the oldest backup");
        stop(id);
        Set<String> oldest = admin.notes();
        stop(id);
        admin.writeNote("second");
        stop(id);
        admin.writeNote("third");
        stop(id);
        List<String> backups = backupIds(id);
        assertThat(backups).as("retention keeps three").hasSize(3);
        String oldestId = backups.get(backups.size() - 1);

        String unsaved = admin.writeNote("written while running, not yet saved"); // running and dirty
        ApiClient.Reply restored = user.client().post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", oldestId));

        assertThat(restored.status()).as(restored.text()).isEqualTo(200);
        assertThat(restored.json().path("status").asText()).isEqualTo("stopped");
        assertThat(admin.notes()).as("the oldest backup's data").isEqualTo(oldest).contains(first);
        List<String> after = backupIds(id);
        assertThat(after).as("the restored backup is kept, and current").contains(oldestId);
        assertThat(currentBackup(id)).isEqualTo(oldestId);
        // The data replaced by the restore was saved first: its backup is the newest.
        ApiClient.Reply back = user.client().post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", newestOtherThan(id, oldestId)));
        assertThat(back.status()).as(back.text()).isEqualTo(200);
        assertThat(admin.notes()).contains(unsaved);
    }

    private void stop(String id) {
        ApiClient.Reply r = user.client().post("/api/instances/" + id + "/stop");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    private List<String> backupIds(String id) {
        List<String> ids = new ArrayList<>();
        for (JsonNode b : backups(id)) {
            ids.add(b.path("id").asText());
        }
        return ids;
    }

    private String currentBackup(String id) {
        for (JsonNode b : backups(id)) {
            if (b.path("current").asBoolean()) {
                return b.path("id").asText();
            }
        }
        return null;
    }

    private String newestOtherThan(String id, String exclude) {
        return backupIds(id).stream().filter(b -> !b.equals(exclude)).findFirst().orElseThrow();
    }

    private JsonNode backups(String id) {
        return user.client().get("/api/instances/" + id + "/backups").json().path("backups");
    }
}
