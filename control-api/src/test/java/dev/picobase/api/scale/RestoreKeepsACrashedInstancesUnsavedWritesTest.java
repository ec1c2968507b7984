package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StorageKind;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What went wrong: a restore saved the current data first only if PocketBase was running. After
 * PocketBase died ({@code kill -9}, the OOM killer) the local copy was the only copy of the writes
 * since the last snapshot, and the restore moved it aside and deleted it: an acknowledged record
 * existed nowhere afterwards, and the instance stayed {@code failed}. Now any local copy newer than
 * the current snapshot is saved first, whatever the status, and the instance ends {@code stopped}.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(120)
class RestoreKeepsACrashedInstancesUnsavedWritesTest extends PlatformPerStorageKind {
    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_IDLE_TIMEOUT", "1h", "PICOBASE_SNAPSHOT_INTERVAL", "0s");
    }

    @Test
    void theCrashedInstancesWritesAreSavedBeforeTheRestore() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        TenantGateway admin = gateway(tenant).asNewAdmin("owner@example.com", "a-long-password-1");
        admin.createNotes();
        String saved = admin.writeNote("saved by a stop");
        assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
        String backup = backups(id).get(0).path("id").asText();
        String acknowledged = admin.writeNote("acknowledged, then PocketBase was killed");
        ProcessHandle.of(api.platform().lifecycle().running(id).orElseThrow().pid()).orElseThrow().destroyForcibly();
        Deadline.await("the instance to be failed", Duration.ofSeconds(10),
                () -> instance(id).path("status").asText().equals("failed"));

        ApiClient.Reply restored = user.client().post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", backup));

        assertThat(restored.status()).as(restored.text()).isEqualTo(200);
        assertThat(restored.json().path("status").asText()).isEqualTo("stopped");
        assertThat(restored.json().path("statusReason").isMissingNode()
                || restored.json().path("statusReason").isNull()).as("no stale failure reason").isTrue();
        assertThat(admin.notes()).containsExactly(saved);
        JsonNode all = backups(id);
        assertThat(all).as("the crashed copy was saved as a backup of its own").hasSize(2);
        String crashed = all.get(0).path("id").asText().equals(backup) ? all.get(1).path("id").asText()
                : all.get(0).path("id").asText();
        ApiClient.Reply back = user.client().post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", crashed));
        assertThat(back.status()).as(back.text()).isEqualTo(200);
        assertThat(admin.notes()).contains(saved, acknowledged);
    }

    private JsonNode instance(String id) {
        ApiClient.Reply reply = user.client().get("/api/instances/" + id);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json();
    }

    private JsonNode backups(String id) {
        return user.client().get("/api/instances/" + id + "/backups").json().path("backups");
    }
}
