package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.core.io.FileTrees;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StorageKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Scale to zero against real PocketBase processes, on both object stores (a local directory and
 * S3Proxy, a real S3 API): data written through the gateway survives an idle stop and a cold start
 * from object storage; a crowd of requests to a stopped instance starts it once; requests that
 * arrive while it is being saved are held and served; a corrupted snapshot is refused on restore
 * while an earlier one still restores; deleting an instance deletes its objects.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(120)
class ScaleToZeroTest extends PlatformPerStorageKind {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";

    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_IDLE_TIMEOUT", "1s");
    }

    private RawHttp.Response gateway(String subdomain, String key, String method, String path, String json) {
        return new TenantGateway(api.gatewayPort(), subdomain, key).send(method, path, json);
    }

    private String status(String id) {
        return user.client().get("/api/instances/" + id).json().path("status").asText();
    }

    private void awaitStatus(String id, String expected) {
        Deadline.await("instance " + id + " to be " + expected, Duration.ofSeconds(30),
                () -> status(id).equals(expected));
    }

    private long startsIn(String id) {
        JsonNode lines = user.client().get("/api/instances/" + id + "/logs?lines=1000").json().path("lines");
        long starts = 0;
        for (JsonNode line : lines) {
            if (line.asText().contains("picobase: starting PocketBase")) {
                starts++;
            }
        }
        return starts;
    }

    @Test
    void recordsWrittenThroughTheGatewaySurviveIdleStopAndColdStartFromObjectStorage() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        String sub = tenant.subdomain();
        String key = tenant.key();

        RawHttp.Response created = gateway(sub, key, "POST", "/api/admins", ApiClient.json("email", ADMIN,
                "password", PASSWORD, "passwordConfirm", PASSWORD));
        assertThat(created.status()).isEqualTo(200);

        awaitStatus(id, "stopped"); // idle for 1 s: saved and stopped
        JsonNode backups = user.client().get("/api/instances/" + id + "/backups").json().path("backups");
        assertThat(backups).hasSize(1);
        assertThat(backups.get(0).path("current").asBoolean()).isTrue();
        // Provenance is listed, and empty on a single node: no node saved it, nothing to explain.
        assertThat(backups.get(0).has("nodeId")).isTrue();
        assertThat(backups.get(0).path("nodeId").isNull()).isTrue();
        assertThat(backups.get(0).has("note")).isTrue();
        assertThat(backups.get(0).path("note").isNull()).isTrue();

        FileTrees.delete(pbData(id)); // the disk is only a cache: object storage is the truth
        RawHttp.Response signIn = gateway(sub, key, "POST", "/api/admins/auth-with-password",
                ApiClient.json("identity", ADMIN, "password", PASSWORD));
        assertThat(signIn.status()).isEqualTo(200);
        assertThat(signIn.header("Server-Timing")).isNotNull().satisfies(t -> assertThat(t).contains("restore;dur=")
                .contains("boot;dur="));
        assertThat(Files.isDirectory(pbData(id))).isTrue();
        // The wake-up did not wait for the disk; its restored copy is forced right after, and the note
        // that it was not (which makes a start after a reboot discard the copy) goes.
        Deadline.await("the restored copy to be forced to disk", Duration.ofSeconds(10),
                () -> !Files.exists(pbData(id).resolveSibling("pb_data.unsettled")));
    }

    @Test
    void twoHundredConcurrentRequestsToAStoppedInstanceStartItOnceAndAllSucceed() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        String sub = tenant.subdomain();
        String key = tenant.key();

        ExecutorService pool = Executors.newFixedThreadPool(200);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                results.add(pool.submit(() -> gateway(sub, key, "GET", "/api/health", null).status()));
            }
            for (Future<Integer> r : results) {
                assertThat(r.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(startsIn(id)).isEqualTo(1);
    }

    @Test
    void requestsArrivingDuringAStopAreHeldAndServed() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        String sub = tenant.subdomain();
        String key = tenant.key();
        assertThat(gateway(sub, key, "GET", "/api/health", null).status()).isEqualTo(200);

        ExecutorService pool = Executors.newFixedThreadPool(21);
        try {
            Future<?> stopping = pool.submit(() -> user.client().post("/api/instances/" + id + "/stop"));
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                results.add(pool.submit(() -> gateway(sub, key, "GET", "/api/health", null).status()));
            }
            stopping.get();
            for (Future<Integer> r : results) {
                assertThat(r.get()).isEqualTo(200); // never a 502 while the instance is saved
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCorruptedSnapshotIsRefusedOnRestoreAndAnEarlierOneStillRestores() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        String sub = tenant.subdomain();
        String key = tenant.key();

        assertThat(gateway(sub, key, "POST", "/api/admins", ApiClient.json("email", ADMIN,
                "password", PASSWORD, "passwordConfirm", PASSWORD)).status()).isEqualTo(200);
        assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
        assertThat(gateway(sub, key, "GET", "/api/health", null).status()).isEqualTo(200);
        assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);

        List<Snapshot> snapshots = api.store().listSnapshots(id);
        assertThat(snapshots).hasSize(2);
        Snapshot latest = snapshots.get(0);
        Snapshot earlier = snapshots.get(1);
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            Path garbage = dir.resolve("garbage.zip");
            Files.write(garbage, new byte[] {1, 2, 3, 4});
            objects.put(latest.objectKey(), garbage); // bit rot, or a tampered bucket
        }

        ApiClient.Reply refused = user.client().post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", latest.id()));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo("snapshot_corrupt");
        assertThat(refused.json().path("error").path("message").asText()).contains("corrupted");

        ApiClient.Reply restored = user.client().post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", earlier.id()));
        assertThat(restored.status()).isEqualTo(200);
        RawHttp.Response signIn = gateway(sub, key, "POST", "/api/admins/auth-with-password",
                ApiClient.json("identity", ADMIN, "password", PASSWORD));
        assertThat(signIn.status()).isEqualTo(200);
    }

    @Test
    void deletingAnInstanceDeletesItsObjects() {
        JsonNode instance = user.createInstance();
        String id = instance.get("id").asText();
        assertThat(user.client().post("/api/instances/" + id + "/start").status()).isEqualTo(200);
        assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            assertThat(objects.list("instances/" + id + "/")).hasSize(1);
            assertThat(user.client().delete("/api/instances/" + id).status()).isEqualTo(204);
            assertThat(objects.list("instances/" + id + "/")).isEmpty();
        }
        assertThat(Files.exists(dir.resolve("instances").resolve(id))).isFalse();
    }
}
