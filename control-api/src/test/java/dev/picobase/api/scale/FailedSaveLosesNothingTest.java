package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop while object storage is down must not lose the instance's data nor pretend it is saved:
 * the instance is {@code failed} with the reason, its local {@code pb_data} stays, no snapshot is
 * recorded; once storage is back a retry saves it, the instance becomes {@code stopped}, and the
 * snapshot that retry wrote is good enough to bring the data back with no local copy at all.
 *
 * <p>Storage is S3Proxy behind WireMock ({@link FlakyObjectStorage}), so the platform's real S3
 * client sees real 500s and, afterwards, a real S3 API.
 */
@Timeout(120)
class FailedSaveLosesNothingTest {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";
    private static final String SAVE_FAILED = "saving the data to object storage failed (local copy kept, retrying)";

    @TempDir
    Path dir;

    private FlakyObjectStorage storage;
    private RunningApi api;
    private ApiClient.SignedIn user;

    @BeforeEach
    void start() {
        storage = new FlakyObjectStorage();
        Map<String, String> env = new HashMap<>(storage.environment(dir));
        env.put("PICOBASE_IDLE_TIMEOUT", "1h"); // only the explicit stop saves
        api = RunningApi.start(StoreKind.SQLITE, dir, env, Clock.systemUTC());
        user = api.client().signUpAndSignIn();
    }

    @AfterEach
    void stop() {
        try {
            if (api != null) {
                api.close();
            }
        } finally {
            storage.close();
        }
    }

    private JsonNode instance(String id) {
        return user.client().get("/api/instances/" + id).json();
    }

    private JsonNode backups(String id) {
        return user.client().get("/api/instances/" + id + "/backups").json().path("backups");
    }

    @Test
    void aStopWhileStorageIsDownKeepsTheDataAndSavesItOnceStorageIsBack() throws Exception {
        JsonNode created = user.createInstance();
        String id = created.get("id").asText();
        TenantGateway tenant = new TenantGateway(api.gatewayPort(), created.get("subdomain").asText(),
                user.createKey(id).get("key").asText());
        assertThat(tenant.send("POST", "/api/admins", ApiClient.json("email", ADMIN, "password", PASSWORD,
                "passwordConfirm", PASSWORD)).status()).isEqualTo(200);
        Path pbData = dir.resolve("instances").resolve(id).resolve("pb_data");

        storage.down();
        ApiClient.Reply stopped = user.client().post("/api/instances/" + id + "/stop");

        assertThat(stopped.status()).isEqualTo(200);
        assertThat(stopped.json().path("status").asText()).isEqualTo("failed");
        assertThat(stopped.json().path("statusReason").asText()).startsWith(SAVE_FAILED);
        assertThat(instance(id).path("status").asText()).isEqualTo("failed"); // never "stopped" with only a local copy
        assertThat(Files.isRegularFile(pbData.resolve("data.db"))).isTrue();
        assertThat(backups(id)).isEmpty();
        int failedRequests = storage.requests();
        Deadline.await("a retry of the save while storage is down", Duration.ofSeconds(15),
                () -> storage.requests() > failedRequests);
        assertThat(instance(id).path("status").asText()).isEqualTo("failed");

        storage.up();
        Deadline.await("the retried save to succeed once storage is back", Duration.ofSeconds(15),
                () -> instance(id).path("status").asText().equals("stopped"));
        assertThat(instance(id).path("statusReason").textValue()).isNull();
        JsonNode saved = backups(id);
        assertThat(saved).hasSize(1);
        assertThat(saved.get(0).path("current").asBoolean()).isTrue();

        FileTrees.delete(pbData); // the snapshot the retry wrote is now the only copy
        RawHttp.Response signIn = tenant.send("POST", "/api/admins/auth-with-password",
                ApiClient.json("identity", ADMIN, "password", PASSWORD));
        assertThat(signIn.status()).as(signIn.text()).isEqualTo(200);
        assertThat(signIn.header("Server-Timing")).isNotNull().satisfies(t -> assertThat(t).contains("restore;dur="));
    }

    /**
     * What went wrong: a restore of a running instance whose save failed went on and replaced the
     * local copy, the only copy of the writes since the last snapshot. It is now refused with 503
     * {@code save_failed} and {@code Retry-After}; the local copy is kept and saved once storage is back.
     */
    @Test
    void aRestoreWhileTheCurrentDataCannotBeSavedIsRefusedAndLosesNothing() {
        ApiClient.Tenant created = user.createInstanceWithKey();
        String id = created.id();
        TenantGateway admin = new TenantGateway(api.gatewayPort(), created.subdomain(), created.key())
                .asNewAdmin(ADMIN, PASSWORD);
        admin.createNotes();
        assertThat(user.client().post("/api/instances/" + id + "/stop").json().path("status").asText())
                .isEqualTo("stopped");
        String backup = backups(id).get(0).path("id").asText();
        String unsaved = admin.writeNote("only in the local copy");

        storage.down();
        ApiClient.Reply restored = user.client().post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", backup));

        assertThat(restored.status()).as(restored.text()).isEqualTo(503);
        assertThat(restored.errorCode()).isEqualTo("save_failed");
        assertThat(restored.headers().firstValue("Retry-After")).isPresent();
        assertThat(instance(id).path("status").asText()).isEqualTo("failed");
        storage.up();
        Deadline.await("the kept copy to be saved once storage is back", Duration.ofSeconds(30),
                () -> instance(id).path("status").asText().equals("stopped"));
        assertThat(admin.notes()).contains(unsaved);
    }
}
