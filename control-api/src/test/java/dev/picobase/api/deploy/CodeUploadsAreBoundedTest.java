package dev.picobase.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Code uploads take their own aggregator, larger than the JSON one: curl's {@code Expect:
 * 100-continue} (sent for bodies over 1 MiB) gets its {@code 100 Continue} and then the answer; a
 * {@code Content-Length} over {@code PICOBASE_DEPLOY_MAX_BYTES} is answered 413 before the body is
 * sent; an upload larger than the JSON limit but within the deploy limit is accepted.
 */
@Timeout(60)
class CodeUploadsAreBoundedTest {
    @TempDir
    Path dir;

    @Test
    void uploadsAreAggregatedUpToTheirOwnLimit() {
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_DEPLOY_MAX_BYTES", "1m"),
                Clock.systemUTC())) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            String id = user.createInstance().path("id").asText();
            byte[] page = "x".repeat(200 * 1024).getBytes(StandardCharsets.UTF_8); // over the 64 KiB JSON limit
            try (RawHttp http = RawHttp.connect(api.port())) {
                http.send("PUT /api/instances/" + id + "/files/pb_public/big.html HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + user.token() + "\r\nContent-Length: " + page.length
                        + "\r\nExpect: 100-continue\r\n\r\n");
                assertThat(http.readHead().status()).isEqualTo(100);
                http.send(page);
                RawHttp.Response stored = http.readResponse();
                assertThat(stored.status()).as(stored.text()).isEqualTo(200);
                assertThat(stored.json().path("file").path("size").asLong()).isEqualTo(page.length);
            }
            try (RawHttp http = RawHttp.connect(api.port())) {
                http.send("PUT /api/instances/" + id + "/files/pb_public/huge.bin HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + user.token() + "\r\nContent-Length: " + (2 << 20)
                        + "\r\nExpect: 100-continue\r\n\r\n");
                RawHttp.Response refused = http.readResponse();
                assertThat(refused.status()).isEqualTo(413);
                assertThat(refused.errorCode()).isEqualTo("too_large");
            }
        }
    }

    /**
     * Held uploads (a head sent, the body trickling) are bounded per instance and per client address,
     * so one tenant or one stranger cannot take every upload slot from the others.
     */
    @Test
    void heldUploadsAreBoundedPerInstanceAndPerAddress() {
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, Map.of(), Clock.systemUTC())) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            String a = user.createInstance().path("id").asText();
            String b = user.createInstance().path("id").asText();
            String c = user.createInstance().path("id").asText();
            try (RawHttp heldA = RawHttp.connect(api.port()); RawHttp heldC = RawHttp.connect(api.port())) {
                hold(heldA, user, a);
                RawHttp.Response sameInstance = upload(api, user, a, "other.html");
                assertThat(sameInstance.status()).as(sameInstance.text()).isEqualTo(429);
                assertThat(sameInstance.errorCode()).isEqualTo("rate_limited");
                assertThat(sameInstance.header("Retry-After")).isEqualTo("5");
                assertThat(upload(api, user, b, "ok.html").status()).as("another instance").isEqualTo(200);

                hold(heldC, user, c); // this address's second slot
                RawHttp.Response sameAddress = upload(api, user, b, "again.html");
                assertThat(sameAddress.status()).as("two held from this address").isEqualTo(429);
            }
            Deadline.await("the held uploads' slots come back", Duration.ofSeconds(10),
                    () -> upload(api, user, b, "after.html").status() == 200);
            assertThat(upload(api, user, a, "after.html").status()).isEqualTo(200);
        }
    }

    /**
     * Behind a trusted proxy every client shares one address, so the per-address share does not apply
     * there; the bound in all still does: with four uploads held (on four instances), a fifth is
     * answered 429 with Retry-After at once, and served once a held one ends.
     */
    @Test
    void heldUploadsAreBoundedInAllBehindATrustedProxy() {
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_TRUSTED_PROXIES", "127.0.0.1/32"),
                Clock.systemUTC())) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            List<String> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(user.createInstance().path("id").asText());
            }
            String fifth = user.createInstance().path("id").asText();
            List<RawHttp> holding = new ArrayList<>();
            try {
                for (String id : held) {
                    RawHttp connection = RawHttp.connect(api.port());
                    holding.add(connection);
                    hold(connection, user, id);
                }
                RawHttp.Response refused = upload(api, user, fifth, "fifth.html");
                assertThat(refused.status()).as(refused.text()).isEqualTo(429);
                assertThat(refused.errorCode()).isEqualTo("rate_limited");
                assertThat(refused.header("Retry-After")).isEqualTo("5");
                holding.remove(0).close();
            } finally {
                holding.forEach(RawHttp::close);
            }
            Deadline.await("a slot comes back when a held upload ends", Duration.ofSeconds(10),
                    () -> upload(api, user, fifth, "after.html").status() == 200);
        }
    }

    /**
     * Starts an upload and leaves its body unfinished. It asks for {@code 100 Continue}, which the server
     * sends once the upload has its slot: so the slot is known to be taken (a probe sent before the server
     * read the held head would take the slot first on another event loop).
     */
    private static void hold(RawHttp connection, ApiClient.SignedIn user, String instanceId) {
        connection.send(head(user, instanceId, "held.html", 1000).replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n"));
        assertThat(connection.readHead().status()).as("the held upload has its slot").isEqualTo(100);
        connection.send("<p>");
    }

    private static String head(ApiClient.SignedIn user, String instanceId, String file, int length) {
        return "PUT /api/instances/" + instanceId + "/files/pb_public/" + file + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + user.token() + "\r\nContent-Length: " + length + "\r\n\r\n";
    }

    private static RawHttp.Response upload(RunningApi api, ApiClient.SignedIn user, String instanceId, String file) {
        try (RawHttp http = RawHttp.connect(api.port())) {
            http.send(head(user, instanceId, file, 5) + "<p>x\n");
            return http.readResponse();
        }
    }
}
