package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StorageKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What went wrong: {@code delete} took no lock. A request with a cached key woke the instance between
 * the process stop and the directory removal: the API answered 500 ({@code DirectoryNotEmptyException}),
 * the row was gone but the route stayed, a PocketBase kept running on the deleted instance's data, and
 * at idle it uploaded a snapshot for the deleted id that nothing ever cleaned up (5 of 6 rounds of a
 * loop of requests during DELETE). Now the route and cached keys go first, the delete runs under the
 * instance's lock, and a tombstone refuses later wakes and saves: nothing is left behind, and the
 * racing requests get 200 before, then 404 or 401 (or 503 with {@code Retry-After}), never a 500.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(180)
class DeletingAnInstanceDuringRequestsLeavesNothingTest extends PlatformPerStorageKind {
    private static final int ROUNDS = 3;

    @Override
    Map<String, String> settings() {
        // A short idle timeout: an orphaned PocketBase would be saved (and uploaded) within the test.
        return Map.of("PICOBASE_IDLE_TIMEOUT", "1s", "PICOBASE_SNAPSHOT_INTERVAL", "1s");
    }

    @Test
    void requestsRacingADeleteLeaveNoProcessDirectoryRowOrObject() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            ApiClient.Tenant tenant = user.createInstanceWithKey();
            String id = tenant.id();
            AtomicBoolean go = new AtomicBoolean(true);
            AtomicInteger served = new AtomicInteger();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            Thread requests = new Thread(() -> {
                while (go.get()) {
                    RawHttp.Response r = gateway(tenant).send("GET", "/api/health", null);
                    // 401: routed just before the route went, checked after its key was revoked.
                    boolean fine = r.status() == 200 || r.status() == 404 || r.status() == 401
                            || (r.status() == 503 && r.header("Retry-After") != null);
                    if (!fine) {
                        wrong.add(r.status() + " " + r.text());
                    }
                    if (r.status() == 200) {
                        served.incrementAndGet();
                    }
                }
            });
            requests.start();
            try {
                Deadline.await("the instance to serve", Duration.ofSeconds(30), () -> served.get() > 0);
                // A stop makes the next requests wake it again, as close to the delete as we can get.
                assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
                int before = served.get();
                Deadline.await("a request to wake it again", Duration.ofSeconds(30), () -> served.get() > before);

                ApiClient.Reply deleted = user.client().delete("/api/instances/" + id);

                assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
            } finally {
                go.set(false);
                requests.join();
            }
            assertThat(wrong).as("requests racing the delete").isEmpty();
            assertThat(gateway(tenant).send("GET", "/api/health", null).status()).isEqualTo(404);
            assertThat(user.client().get("/api/instances/" + id).status()).isEqualTo(404);
            assertLeavesNothing(id);
        }
    }

    /** Checked again for a while: an orphaned PocketBase would be saved at idle (1 s) and upload a snapshot. */
    private void assertLeavesNothing(String id) throws Exception {
        Path instanceDir = dir.resolve("instances").resolve(id);
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        do {
            assertThat(api.platform().lifecycle().running(id)).isEmpty();
            assertThat(pocketBasesServing(instanceDir)).as("PocketBase processes on its data").isEmpty();
            assertThat(Files.exists(instanceDir)).as(instanceDir + " exists").isFalse();
            try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
                assertThat(objects.list("instances/" + id + "/")).as("its objects").isEmpty();
            }
            Thread.sleep(250); // watching for something that must not happen: no condition to poll for
        } while (System.nanoTime() < until);
    }

    private static List<Long> pocketBasesServing(Path instanceDir) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                            return cmdline.contains("pocketbase") && cmdline.contains(instanceDir.toString());
                        } catch (IOException e) {
                            return false; // exited while we looked
                        }
                    })
                    .map(p -> Long.parseLong(p.getFileName().toString())).toList();
        }
    }
}
