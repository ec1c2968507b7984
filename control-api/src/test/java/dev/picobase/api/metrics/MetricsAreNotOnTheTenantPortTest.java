package dev.picobase.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.MetricsText;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} belongs to operators: the tenant port answers it like any other path (a JSON
 * 401 or 404, never the metrics text) whatever the Host, and the management port binds loopback
 * unless configured otherwise.
 */
@Timeout(60)
class MetricsAreNotOnTheTenantPortTest {
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

    private RawHttp.Response get(String host, String extraHeaders) {
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            http.send("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "Connection: close\r\n\r\n");
            return http.readResponse();
        }
    }

    private static void assertNotMetrics(RawHttp.Response r, int status) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.header("Content-Type")).isNotNull().satisfies(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.text()).doesNotContain("# TYPE").doesNotContain("picobase_gateway_requests")
                .doesNotContain("jvm_");
    }

    @Test
    void theGatewayAnswersMetricsLikeAnyOtherPath() {
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        JsonNode instance = user.createInstance();
        String sub = instance.get("subdomain").asText();
        String key = user.createKey(instance.get("id").asText()).get("key").asText();
        int port = api.gatewayPort();

        assertNotMetrics(get(sub + ".localhost:" + port, ""), 401);
        assertNotMetrics(get("nosuchapp.localhost:" + port, ""), 404);
        assertNotMetrics(get("localhost:" + port, ""), 404);
        // With a valid key the request reaches the tenant's own PocketBase, which has no /metrics.
        RawHttp.Response forwarded = get(sub + ".localhost:" + port, "apikey: " + key + "\r\n");
        assertThat(forwarded.status()).isEqualTo(404);
        assertThat(forwarded.text()).doesNotContain("# TYPE").doesNotContain("picobase_");

        // The management port counted those four exchanges (401, two 404s, PocketBase's 404), all 4xx;
        // an exchange is counted as its response ends, which may be just after the client read it.
        Deadline.await("four gateway requests counted", Duration.ofSeconds(10), Duration.ofMillis(100),
                () -> api.scrapeMetrics().sum("picobase_gateway_requests_total") >= 4);
        MetricsText metrics = api.scrapeMetrics();
        assertThat(metrics.text()).contains("# TYPE picobase_gateway_requests_total counter");
        assertThat(metrics.sum("picobase_gateway_requests_total", "status=\"4xx\"")).isEqualTo(4);
        assertThat(metrics.sum("picobase_gateway_requests_total")).isEqualTo(4);
    }

    @Test
    void theManagementPortBindsLoopbackByDefault() {
        PicoBaseConfig defaults = PicoBaseConfig.fromMap(Map.of("PICOBASE_DATA_DIR", dir.toString()));
        assertThat(defaults.managementBindAddress()).isEqualTo("127.0.0.1");
        assertThat(defaults.managementPort()).isEqualTo(9464);
        assertThat(api.managementPort()).isNotIn(api.gatewayPort(), api.port());
    }
}
