package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.snapshot.SnapshotArchive;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running instance is snapshotted every {@code PICOBASE_SNAPSHOT_INTERVAL} while it keeps serving,
 * through SQLite's online backup, so a host that dies loses at most one interval of writes. What
 * could go wrong: copying a live database file byte by byte yields a torn copy; the snapshot must
 * open as a valid database holding the acknowledged write.
 */
@Timeout(90)
class RunningInstancesAreSnapshottedPeriodicallyTest {
    @TempDir
    Path dir;

    @Test
    void aRunningInstanceIsSnapshottedConsistentlyWithoutStopping() throws Exception {
        Map<String, String> env = new HashMap<>(StorageKind.LOCAL.environment(dir));
        env.put("PICOBASE_IDLE_TIMEOUT", "1h");
        env.put("PICOBASE_SNAPSHOT_INTERVAL", "500ms");
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, env, Clock.systemUTC())) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            JsonNode instance = user.createInstance();
            String id = instance.get("id").asText();
            String sub = instance.get("subdomain").asText();
            String key = user.createKey(id).get("key").asText();
            try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
                String body = ApiClient.json("email", "admin@example.com", "password", "1234567890",
                        "passwordConfirm", "1234567890");
                http.send("POST /api/admins HTTP/1.1\r\nHost: " + sub + ".localhost\r\napikey: " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                        + "\r\nConnection: close\r\n\r\n" + body);
                assertThat(http.readResponse().status()).isEqualTo(200);
            }
            Instant acknowledged = Instant.now();

            Deadline.await("a periodic snapshot taken after the write was acknowledged", Duration.ofSeconds(30),
                    () -> api.store().latestSnapshot(id).filter(s -> s.createdAt().isAfter(acknowledged)).isPresent());
            assertThat(user.client().get("/api/instances/" + id).json().path("status").asText()).isEqualTo("running");

            Snapshot snapshot = api.store().latestSnapshot(id).orElseThrow();
            Path archive = dir.resolve("check.zip");
            Path extracted = dir.resolve("check");
            try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
                objects.get(snapshot.objectKey(), archive);
            }
            assertThat(SnapshotArchive.sha256Of(archive)).isEqualTo(snapshot.sha256());
            SnapshotArchive.extract(archive, extracted);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + extracted.resolve("data.db"));
                 ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM _admins")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }
}
