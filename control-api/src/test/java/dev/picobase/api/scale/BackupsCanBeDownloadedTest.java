package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.snapshot.SnapshotArchive;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.StorageKind;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code GET /api/instances/:id/backups/:snapshotId/download} hands the owner the backup's zip. What
 * could go wrong: a body re-encoded or cut short (a download that looks complete but is not the
 * stored object), the whole zip buffered in the JVM, a header that makes the browser show the zip
 * instead of saving it, or another user's backup served. The test downloads as a browser would and
 * proves the bytes are the stored object's (size and SHA-256, read from the store directly and from
 * the backup's record), that the zip restores (its database holds the note written before the stop),
 * that a 20 MB backup arrives whole, and that unknown ids and other users get a JSON 404.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(180)
class BackupsCanBeDownloadedTest extends PlatformPerStorageKind {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_IDLE_TIMEOUT", "1h");
    }

    @Test
    void aDownloadIsTheStoredObjectAndRestores() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        TenantGateway admin = gateway(tenant).asNewAdmin("admin@example.com", "1234567890");
        admin.createNotes();
        String note = admin.writeNote("kept in the download");
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);

        JsonNode backup = user.client().get("/api/instances/" + tenant.id() + "/backups").json().path("backups").get(0);
        String snapshotId = backup.path("id").asText();
        Path zip = dir.resolve("downloaded.zip");
        HttpResponse<Path> download = download(tenant.id(), snapshotId, zip);

        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(download.headers().firstValue("Content-Length")).hasValue(Long.toString(Files.size(zip)));
        assertThat(download.headers().firstValue("Content-Disposition").orElseThrow())
                .matches("attachment; filename=\"" + tenant.subdomain() + "-\\d{8}T\\d{6}Z-" + snapshotId + "\\.zip\"");

        Snapshot recorded = api.store().listSnapshots(tenant.id()).stream().filter(s -> s.id().equals(snapshotId))
                .findFirst().orElseThrow();
        Path stored = dir.resolve("stored.zip");
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            objects.get(recorded.objectKey(), stored);
        }
        assertThat(Files.size(zip)).isEqualTo(Files.size(stored)).isEqualTo(backup.path("sizeBytes").asLong());
        assertThat(SnapshotArchive.sha256Of(zip)).isEqualTo(SnapshotArchive.sha256Of(stored))
                .isEqualTo(recorded.sha256()).isEqualTo(backup.path("sha256").asText());

        Path restored = dir.resolve("restored-pb_data");
        SnapshotArchive.extract(zip, restored);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + restored.resolve("data.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT id, text FROM notes")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("id") + " " + rs.getString("text")).isEqualTo(note);
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void aTwentyMegabyteBackupArrivesWhole() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);
        // An uploaded file as PocketBase keeps it; random bytes, so the zip cannot shrink it.
        Path file = pbData(tenant.id()).resolve("storage").resolve("big").resolve("upload.bin");
        Files.createDirectories(file.getParent());
        byte[] block = new byte[1 << 20];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 20; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);
        Snapshot latest = api.store().latestSnapshot(tenant.id()).orElseThrow();
        assertThat(latest.sizeBytes()).isGreaterThan(20L << 20);

        Path zip = dir.resolve("big.zip");
        assertThat(download(tenant.id(), latest.id(), zip).statusCode()).isEqualTo(200);
        assertThat(Files.size(zip)).isEqualTo(latest.sizeBytes());
        assertThat(SnapshotArchive.sha256Of(zip)).isEqualTo(latest.sha256());
        Path restored = dir.resolve("big-restored");
        SnapshotArchive.extract(zip, restored);
        assertThat(Files.mismatch(restored.resolve("storage/big/upload.bin"), file)).isEqualTo(-1L);
    }

    @Test
    void unknownBackupsAndOtherUsersInstancesAre404() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);
        String snapshotId = api.store().latestSnapshot(tenant.id()).orElseThrow().id();

        ApiClient.Reply unknown = user.client().get("/api/instances/" + tenant.id() + "/backups/snp_nope/download");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo("not_found");
        assertThat(unknown.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");

        ApiClient.SignedIn other = api.client().signUpAndSignIn();
        ApiClient.Reply foreign = other.client().get("/api/instances/" + tenant.id() + "/backups/" + snapshotId
                + "/download");
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.errorCode()).isEqualTo("not_found");
        // Another instance's backup id under one's own instance is no backup of it either.
        JsonNode own = other.createInstance();
        assertThat(other.client().get("/api/instances/" + own.path("id").asText() + "/backups/" + snapshotId
                + "/download").status()).isEqualTo(404);
    }

    private HttpResponse<Path> download(String instanceId, String snapshotId, Path to)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.client().base() + "/api/instances/" + instanceId
                        + "/backups/" + snapshotId + "/download"))
                .header("Authorization", "Bearer " + user.token()).timeout(Duration.ofSeconds(60)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofFile(to));
    }
}
