package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.StorageKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What went wrong: every stop uploaded a new snapshot, even of a stopped instance whose data had not
 * changed, and retention keeps the newest five: five clicks on "stop" pushed all of an instance's
 * backup history out. A stop now saves only a local copy that may differ from the current snapshot;
 * stopping a stopped instance answers as before and uploads nothing.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(120)
class StoppingAnUnchangedInstanceKeepsItsBackupsTest extends PlatformPerStorageKind {
    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_IDLE_TIMEOUT", "1h", "PICOBASE_SNAPSHOT_RETENTION", "3");
    }

    @Test
    void repeatedStopsOfAStoppedInstanceUploadNothing() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        List<String> history = new ArrayList<>();
        for (int round = 0; round < 2; round++) { // two real saves: two backups
            assertThat(user.client().post("/api/instances/" + id + "/start").status()).isEqualTo(200);
            assertThat(gateway(tenant).send("GET", "/api/health", null).status()).isEqualTo(200);
            assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
        }
        history.addAll(backupIds(id));
        assertThat(history).hasSize(2);

        for (int i = 0; i < 5; i++) {
            var stopped = user.client().post("/api/instances/" + id + "/stop");
            assertThat(stopped.status()).isEqualTo(200);
            assertThat(stopped.json().path("status").asText()).isEqualTo("stopped");
        }
        assertThat(backupIds(id)).containsExactlyElementsOf(history);

        // A stop after real use still saves.
        assertThat(user.client().post("/api/instances/" + id + "/start").status()).isEqualTo(200);
        assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
        assertThat(backupIds(id)).hasSize(3).containsAll(history);
    }

    private List<String> backupIds(String id) {
        List<String> ids = new ArrayList<>();
        for (JsonNode b : user.client().get("/api/instances/" + id + "/backups").json().path("backups")) {
            ids.add(b.path("id").asText());
        }
        return ids;
    }
}
