package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: requests released by a wake-up reached the instance's in-flight count only after
 * they hopped to their event loop. A stop that took the instance's lock right after the wake saw zero
 * in flight and sent SIGTERM, and the request met a refused connection (a POST got 502: 6 of 2,495
 * in a run of writers and stops). A held request is now counted as it is released, while the
 * wake-up still holds the lock, so the stop's drain waits for it.
 */
@Timeout(60)
class RequestReleasedByAWakeIsCountedBeforeAStopTest {
    @TempDir
    Path dir;

    private RunningApi api;
    private ApiClient.SignedIn user;

    @BeforeEach
    void start() {
        api = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_IDLE_TIMEOUT", "1h"), Clock.systemUTC());
        user = api.client().signUpAndSignIn();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void aStopRightAfterAWakeWaitsForTheRequestItReleased() throws Exception {
        String id = user.createInstanceWithKey().id();
        InstanceLifecycle lifecycle = api.platform().lifecycle();
        AtomicInteger countedAtRelease = new AtomicInteger(-1);
        AtomicReference<Thread> stopper = new AtomicReference<>();

        InstanceLifecycle.Wake wake = lifecycle.ensureRunning(id).thenApply(w -> {
            countedAtRelease.set(lifecycle.traffic().inFlight(id));
            // A stop (an API call, the idle reaper) begins the moment the request is released.
            Thread t = new Thread(() -> lifecycle.stop(id), "stop-after-wake");
            t.start();
            stopper.set(t);
            return w;
        }).get(30, TimeUnit.SECONDS);
        // The request's hop to its event loop: the stop has the lock by now and is deciding.
        Deadline.await("the stop to begin", Duration.ofSeconds(10), () -> EnumSet.of(InstanceStatus.STOPPING,
                InstanceStatus.STOPPED).contains(api.platform().store().findInstance(id).orElseThrow().status()));

        int status;
        try (RawHttp http = RawHttp.connect(wake.address().getPort())) {
            http.send("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            status = http.readResponse().status();
        } finally {
            lifecycle.traffic().ended(id);
        }
        stopper.get().join(10_000);

        assertThat(countedAtRelease.get()).as("in flight when released").isEqualTo(1);
        assertThat(status).as("PocketBase still served the released request").isEqualTo(200);
        assertThat(api.platform().store().findInstance(id).orElseThrow().status()).isEqualTo(InstanceStatus.STOPPED);
    }
}
