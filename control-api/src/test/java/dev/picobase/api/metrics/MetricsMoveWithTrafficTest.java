package dev.picobase.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.MetricsText;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
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
 * the instance saves a snapshot whose size and duration are recorded.
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
        for (int i = 0; i < REQUESTS; i++) {
            assertThat(health(sub, key)).isEqualTo(200);
        }
        user.client().post("/api/instances/" + id + "/stop");
        MetricsText after = api.scrapeMetrics();

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

        assertThat(after.has("picobase_instances")).isTrue();
        assertThat(after.has("picobase_held_requests")).isTrue();
        assertThat(after.has("picobase_netty_allocator_memory_used_bytes")).isTrue();
        assertThat(after.has("jvm_memory_used_bytes")).isTrue();
        assertThat(after.text()).doesNotContain(id).doesNotContain(sub); // no per-instance labels
    }

    private static double moved(MetricsText before, MetricsText after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }
}
