package dev.picobase.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.GarbageCollection;
import dev.picobase.api.testsupport.MetricsText;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scrapes {@code /metrics} on the management port before and after real traffic through the
 * gateway to a real PocketBase: the 2xx request counter moves by exactly the requests sent, the
 * first of which woke the instance (one cold start with restore and boot timed, counted as
 * {@code wake="cold"}); the key was bcrypt-checked once and then served from the cache; stopping
 * the instance saves a snapshot whose size and duration are recorded. The instance counts move
 * with it ({@code stopped} 1, then {@code running} 1, then {@code stopped} 1 again, the others 0),
 * and the gauges read values, not only names. A garbage collection that clears weak references
 * runs between the first scrape and the traffic, so a meter whose state Micrometer let go (it
 * holds it weakly) would read {@code NaN} or stop moving and fail here.
 */
@Timeout(120)
class MetricsMoveWithTrafficTest {
    private static final int REQUESTS = 5;

    @TempDir
    Path dir;

    private RunningApi api;

    @BeforeEach
    void start() {
        api = RunningApi.start(StoreKind.SQLITE, dir);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private int health(String subdomain, String key) {
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            http.send("GET /api/health HTTP/1.1\r\nHost: " + subdomain + ".localhost:" + api.gatewayPort()
                    + "\r\napikey: " + key + "\r\nConnection: close\r\n\r\n");
            return http.readResponse().status();
        }
    }

    @Test
    void countersMoveWithGatewayTrafficAndColdStarts() {
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        String sub = tenant.subdomain();
        String key = tenant.key();

        MetricsText before = api.scrapeMetrics();
        assertInstances(before, 1, 0);
        GarbageCollection.clearWeakReferences();
        for (int i = 0; i < REQUESTS; i++) {
            assertThat(health(sub, key)).isEqualTo(200);
        }
        // The counts are read from the metadata store at most once a second: poll until a scrape's are.
        awaitInstances(0, 1);
        user.client().post("/api/instances/" + id + "/stop");
        MetricsText after = awaitInstances(1, 0);

        assertThat(moved(before, after, "picobase_gateway_requests_total", "status=\"2xx\"")).isEqualTo(REQUESTS);
        assertThat(moved(before, after, "picobase_gateway_requests_total", "status=\"2xx\"", "wake=\"cold\""))
                .isEqualTo(1);
        assertThat(moved(before, after, "picobase_gateway_request_duration_seconds_count", "status=\"2xx\""))
                .isEqualTo(REQUESTS);
        assertThat(after.has("picobase_gateway_request_duration_seconds_bucket")).isTrue();

        assertThat(moved(before, after, "picobase_cold_starts_total")).isEqualTo(1);
        assertThat(moved(before, after, "picobase_cold_start_seconds_count", "phase=\"restore\"")).isEqualTo(1);
        assertThat(moved(before, after, "picobase_cold_start_seconds_count", "phase=\"boot\"")).isEqualTo(1);
        assertThat(after.sum("picobase_cold_start_seconds_sum", "phase=\"boot\"")).isGreaterThan(0);

        assertThat(moved(before, after, "picobase_apikey_bcrypt_checks_total")).isEqualTo(1);
        assertThat(moved(before, after, "picobase_apikey_cache_hits_total")).isGreaterThanOrEqualTo(REQUESTS - 1);
        assertThat(moved(before, after, "picobase_apikey_cache_misses_total")).isGreaterThanOrEqualTo(1);

        assertThat(moved(before, after, "picobase_snapshot_size_bytes_count", "op=\"save\"")).isEqualTo(1);
        assertThat(after.sum("picobase_snapshot_size_bytes_sum", "op=\"save\"")).isGreaterThan(0);
        assertThat(moved(before, after, "picobase_snapshot_duration_seconds_count", "op=\"save\"")).isEqualTo(1);

        assertThat(after.nanSamples()).isEmpty();
        assertThat(after.sum("picobase_held_requests")).isZero();
        assertThat(after.sum("picobase_local_copies_bytes")).isPositive(); // the copy kept by the stop's save
        assertThat(after.sum("picobase_leases_held")).isZero(); // a single node takes no leases
        assertThat(after.sum("picobase_netty_allocator_memory_used_bytes")).isPositive();
        assertThat(after.sum("jvm_memory_used_bytes", "area=\"heap\"")).isPositive();
        assertThat(after.text()).doesNotContain(id).doesNotContain(sub); // no per-instance labels
    }

    private static void assertInstances(MetricsText metrics, long stopped, long running) {
        assertThat(metrics.sum("picobase_instances", "status=\"stopped\"")).as("stopped").isEqualTo(stopped);
        assertThat(metrics.sum("picobase_instances", "status=\"running\"")).as("running").isEqualTo(running);
        for (String status : new String[] {"starting", "stopping", "failed"}) {
            assertThat(metrics.sum("picobase_instances", "status=\"" + status + "\"")).as(status).isZero();
        }
    }

    /** Scrapes until {@code picobase_instances} reads these counts (the others 0); returns that scrape. */
    private MetricsText awaitInstances(long stopped, long running) {
        AtomicReference<MetricsText> last = new AtomicReference<>();
        AtomicReference<AssertionError> mismatch = new AtomicReference<>();
        try {
            Deadline.await("picobase_instances stopped " + stopped + ", running " + running, Duration.ofSeconds(20),
                    Duration.ofMillis(200), () -> {
                last.set(api.scrapeMetrics());
                try {
                    assertInstances(last.get(), stopped, running);
                    return true;
                } catch (AssertionError notYet) {
                    mismatch.set(notYet);
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the last scrape: " + mismatch.get().getMessage(), e);
        }
        return last.get();
    }

    private static double moved(MetricsText before, MetricsText after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }
}
