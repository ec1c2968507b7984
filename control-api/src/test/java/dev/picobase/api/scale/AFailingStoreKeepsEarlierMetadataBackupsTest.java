package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.backup.MetadataBackups;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.S3ProxyServer;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Object storage that starts answering 500 (WireMock in front of S3Proxy) while the platform backs its
 * metadata up every second with a retention of one: the management port's {@code /status} shows the
 * failure, and the backup taken before the store failed is still there, however many attempts failed.
 *
 * <p>What could go wrong: retention applied whatever the upload did, so every failed attempt would
 * delete a good backup and an outage would leave none.
 */
@Timeout(120)
class AFailingStoreKeepsEarlierMetadataBackupsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void statusShowsTheErrorAndTheEarlierBackupIsKept() {
        try (FlakyObjectStorage storage = new FlakyObjectStorage()) {
            Map<String, String> env = new HashMap<>(storage.environment(dir));
            env.put("PICOBASE_METADATA_BACKUP_INTERVAL", "1s");
            env.put("PICOBASE_METADATA_BACKUP_RETENTION", "1");
            String good;
            try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, env, Clock.systemUTC())) {
                ApiClient management = new ApiClient("http://127.0.0.1:" + api.managementPort());
                Deadline.await("a first metadata backup", WAIT,
                        () -> backup(management).path("lastKey").isTextual());
                good = backup(management).path("lastKey").asText();

                storage.down();
                api.client().signUpAndSignIn(); // a change, so the next attempt uploads
                Deadline.await("/status to show the failed backup", WAIT,
                        () -> backup(management).path("lastError").isTextual());
                int failedAt = storage.requests();
                Deadline.await("more failed attempts", WAIT, () -> storage.requests() > failedAt + 2);

                JsonNode failed = backup(management);
                assertThat(failed.path("lastError").asText()).isNotBlank();
                assertThat(failed.path("lastKey").asText()).isEqualTo(good);
                assertThat(failed.path("lastAttemptAt").asText()).isGreaterThan(failed.path("lastSuccessAt").asText());
                try (ObjectStore bucket = direct(storage)) {
                    assertThat(MetadataBackups.list(bucket)).as("asked of S3Proxy itself").containsExactly(good);
                }
                storage.up();
            }
            try (ObjectStore bucket = direct(storage)) {
                // The final backup at shutdown, the store up again; retention 1 applied after it only.
                List<String> kept = MetadataBackups.list(bucket);
                assertThat(kept).hasSize(1);
                assertThat(kept.get(0)).isGreaterThan(good);
            }
        }
    }

    /** The bucket as S3Proxy serves it, not through WireMock. */
    private ObjectStore direct(FlakyObjectStorage storage) {
        Map<String, String> s3 = S3ProxyServer.shared().environment(storage.operatorFacts().get(1));
        s3.put("PICOBASE_DATA_DIR", dir.toString());
        return ObjectStore.of(dev.picobase.config.PicoBaseConfig.fromMap(s3).objectStorage());
    }

    private static JsonNode backup(ApiClient management) {
        return management.get("/status").json().path("metadataBackup");
    }
}
