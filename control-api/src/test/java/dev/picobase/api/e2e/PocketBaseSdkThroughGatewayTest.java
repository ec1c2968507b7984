package dev.picobase.api.e2e;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.SdkJourney;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform as a tenant meets it: the official PocketBase JS SDK, running in Node, drives a real
 * instance through the gateway (a refused request's message, admin, collections, records, auth, a 5 MB
 * file both ways, realtime over SSE), and raw HTTP checks that keys reach only their own instance, that a revoked key stops
 * working within a second, and that browsers' CORS preflights pass without a key.
 *
 * <p>Raw requests go to 127.0.0.1 with an explicit {@code Host: <subdomain>.localhost}, since
 * {@code *.localhost} does not resolve through glibc here and {@code java.net.http} refuses to set
 * {@code Host}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PocketBaseSdkThroughGatewayTest {
    private RunningApi api;
    private SignedIn user;

    @BeforeAll
    void startPlatform(@TempDir Path dataDir) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir);
        user = api.client().signUpAndSignIn();
    }

    @AfterAll
    void stopPlatform() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void theJsSdkJourneyWorksThroughTheGateway() {
        Tenant tenant = newTenant();

        SdkJourney.completes("http://" + tenant.subdomain() + ".localhost:" + api.gatewayPort(), tenant.key());
    }

    @Test
    void twoInstancesEachKeyReachesOnlyItsOwn() {
        Tenant a = newTenant();
        Tenant b = newTenant();

        assertThat(get(a.subdomain(), "/api/health", a.key()).status()).isEqualTo(200);
        RawHttp.Response crossed = get(b.subdomain(), "/api/health", a.key());
        assertThat(crossed.status()).withFailMessage("key A on instance B: %s", crossed).isEqualTo(401);
        assertThat(get(b.subdomain(), "/api/health", b.key()).status()).isEqualTo(200);
        assertThat(get(a.subdomain(), "/api/health", b.key()).status()).isEqualTo(401);
    }

    @Test
    void revokedKeyIsRejectedWithinASecond() {
        Tenant tenant = newTenant();
        assertThat(get(tenant.subdomain(), "/api/health", tenant.key()).status()).isEqualTo(200);

        assertThatReply(user.client().delete("/api/instances/" + tenant.instanceId() + "/keys/" + tenant.keyId()))
                .hasStatus(204);

        Deadline.await("the gateway to refuse the revoked key", Duration.ofSeconds(1),
                () -> get(tenant.subdomain(), "/api/health", tenant.key()).status() == 401);
    }

    /**
     * What went wrong: a realtime stream is authorised when it opens, so after its key was revoked an
     * open stream kept receiving the instance's events. Revoking now closes it within a second.
     */
    @Test
    void revokedKeyClosesItsOpenRealtimeStreamWithinASecond() throws Exception {
        Tenant tenant = newTenant();
        try (RawHttp stream = RawHttp.connect(api.gatewayPort())) {
            stream.send("GET /api/realtime?apikey=" + tenant.key() + " HTTP/1.1\r\nHost: " + tenant.subdomain()
                    + ".localhost:" + api.gatewayPort() + "\r\nAccept: text/event-stream\r\n\r\n");
            assertThat(stream.readHead().status()).isEqualTo(200);
            byte[] connect = new byte[64];
            assertThat(stream.input().read(connect)).isPositive(); // PB_CONNECT: the stream is live

            assertThatReply(user.client().delete("/api/instances/" + tenant.instanceId() + "/keys/" + tenant.keyId()))
                    .hasStatus(204);
            assertThat(stream.closedByPeer(Duration.ofSeconds(1)))
                    .withFailMessage("the revoked key's realtime stream was still open a second later").isTrue();
        }
    }

    /**
     * What went wrong: a client's own {@code X-Real-IP: 7.7.7.7} reached PocketBase, whose request log
     * then said {@code userIp=7.7.7.7}. The gateway now sets the address headers itself.
     */
    @Test
    void aClientCannotChooseTheAddressPocketBaseLogs() throws Exception {
        Tenant tenant = newTenant();
        String marker = "/api/collections/users/records?probe=" + System.nanoTime();
        RawHttp.Response r = request(tenant.subdomain(), "GET " + marker, "apikey: " + tenant.key() + "\r\n"
                + "X-Real-IP: 7.7.7.7\r\nX-Forwarded-For: 7.7.7.7\r\nCF-Connecting-IP: 7.7.7.7\r\n");
        assertThat(r.status()).isEqualTo(200);
        Path logs = api.dataDir().resolve("instances").resolve(tenant.instanceId()).resolve("pb_data").resolve("logs.db");
        String[] seen = new String[1];
        Deadline.await("PocketBase to log the request", Duration.ofSeconds(15), () -> {
            seen[0] = PocketBaseLogs.dataOf(logs, marker.substring(marker.indexOf('=') + 1));
            return seen[0] != null;
        });
        assertThat(seen[0]).contains("\"userIp\":\"127.0.0.1\"").doesNotContain("7.7.7.7");
    }

    @Test
    void corsPreflightFromAnotherOriginSucceedsWithoutKey() {
        Tenant tenant = newTenant();

        RawHttp.Response preflight = request(tenant.subdomain(), "OPTIONS /api/collections/posts/records",
                "Origin: http://example.com\r\n"
                        + "Access-Control-Request-Method: GET\r\n"
                        + "Access-Control-Request-Headers: apikey\r\n");

        assertThat(preflight.status()).withFailMessage("preflight answered %s", preflight)
                .isBetween(200, 299);
        assertThat(preflight.header("Access-Control-Allow-Origin"))
                .isNotNull().satisfies(origin -> assertThat(origin).isIn("*", "http://example.com"));
    }

    private record Tenant(String instanceId, String subdomain, String keyId, String key) {}

    private Tenant newTenant() {
        var instance = user.createInstance();
        var key = user.createKey(instance.path("id").asText());
        return new Tenant(instance.path("id").asText(), instance.path("subdomain").asText(),
                key.path("id").asText(), key.path("key").asText());
    }

    private RawHttp.Response get(String subdomain, String path, String key) {
        return request(subdomain, "GET " + path, "apikey: " + key + "\r\n");
    }

    private RawHttp.Response request(String subdomain, String methodAndPath, String headers) {
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            return http.send(methodAndPath + " HTTP/1.1\r\n"
                    + "Host: " + subdomain + ".localhost:" + api.gatewayPort() + "\r\n"
                    + headers
                    + "Connection: close\r\n\r\n").readResponse();
        }
    }
}
