package dev.picobase.api.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code GET /api/instances/:id/usage} answers what a test sent through the gateway, per UTC day: the
 * requests, the body bytes in and out, the cold starts, the awake time and the size of the latest
 * snapshot, on both pairs of back ends. The counts add up across a stop of the instance (and its wake-up
 * by the next request) and a stop and restart of the whole platform (flushed at shutdown), and the
 * endpoint is the owner's alone and validates {@code days}.
 */
@ParameterizedClass
@CsvSource({"SQLITE, LOCAL", "LIBSQL, S3PROXY"})
@Timeout(180)
class UsageIsCountedPerInstanceAndDayTest {
    @Parameter(0)
    StoreKind store;
    @Parameter(1)
    StorageKind storage;
    @TempDir
    Path dir;

    private long bytesOut;

    @Test
    void countsMatchWhatWasSentAcrossAnInstanceStopAndAPlatformRestart() {
        Map<String, String> env = new HashMap<>(storage.environment(dir));
        env.put("PICOBASE_IDLE_TIMEOUT", "1h");
        String email;
        String password;
        String id;
        long began = System.nanoTime();
        try (RunningApi api = RunningApi.start(store, dir, env, Clock.systemUTC())) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            email = user.email();
            password = user.password();
            ApiClient.Tenant tenant = user.createInstanceWithKey();
            id = tenant.id();
            ApiClient client = user.client();

            send(api, tenant, "GET", "/api/health", null); // wakes it: a cold start
            send(api, tenant, "GET", "/api/health", null);
            send(api, tenant, "POST", "/api/collections/notes/records", "{\"title\":\"hello usage\"}"); // 23 bytes in
            Deadline.await("the first three requests in the usage", Duration.ofSeconds(20),
                    () -> today(client, id).path("requests").asLong() == 3);
            JsonNode first = today(client, id);
            assertThat(first.path("bytesIn").asLong()).isEqualTo(23);
            assertThat(first.path("bytesOut").asLong()).isEqualTo(bytesOut).isPositive();
            assertThat(first.path("coldStarts").asLong()).isEqualTo(1);
            Deadline.await("a second awake in the usage", Duration.ofSeconds(20),
                    () -> today(client, id).path("awakeSeconds").asLong() >= 1);

            assertThat(client.post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
            long saved = latestBackupBytes(client, id);
            Deadline.await("the snapshot of the stop in the usage", Duration.ofSeconds(20),
                    () -> today(client, id).path("snapshotBytes").asLong() == saved);
            assertThat(today(client, id).path("awakeSeconds").asLong()).as("it ran from the first request to the stop")
                    .isBetween(1L, Duration.ofNanos(System.nanoTime() - began).toSeconds() + 1);

            send(api, tenant, "GET", "/api/health", null); // wakes it again
            send(api, tenant, "PUT", "/api/health", "0123456789"); // 10 bytes in
            // No wait: the platform's stop writes what it counted.
        }
        try (RunningApi api = RunningApi.start(store, dir, env, Clock.systemUTC())) {
            ApiClient.Reply in = api.client().post("/api/auth/signin", ApiClient.json("email", email, "password", password));
            ApiClient client = api.client().withToken(in.json().path("token").asText());
            JsonNode day = today(client, id);
            assertThat(day.path("requests").asLong()).isEqualTo(5);
            assertThat(day.path("bytesIn").asLong()).isEqualTo(33);
            assertThat(day.path("bytesOut").asLong()).isEqualTo(bytesOut);
            assertThat(day.path("coldStarts").asLong()).isEqualTo(2);
            assertThat(day.path("snapshotBytes").asLong()).as("the save at the platform's stop")
                    .isEqualTo(latestBackupBytes(client, id));

            JsonNode month = client.get("/api/instances/" + id + "/usage").json();
            assertThat(month.path("days")).hasSize(30);
            assertThat(month.path("days").get(0).path("requests").asLong()).isZero();
            assertThat(month.path("totals").path("requests").asLong()).isEqualTo(5);
            assertThat(client.get("/api/instances/" + id + "/usage?days=90").json().path("days")).hasSize(90);
            for (String bad : new String[] {"0", "91", "abc", "-3"}) {
                ApiClient.Reply r = client.get("/api/instances/" + id + "/usage?days=" + bad);
                assertThat(r.status()).as(bad).isEqualTo(400);
                assertThat(r.json().path("error").path("field").asText()).isEqualTo("days");
            }
            ApiClient.SignedIn stranger = api.client().signUpAndSignIn();
            assertThat(stranger.client().get("/api/instances/" + id + "/usage").status()).isEqualTo(404);
            assertThat(api.client().get("/api/instances/" + id + "/usage").status()).isEqualTo(401);
        }
    }

    private void send(RunningApi api, ApiClient.Tenant tenant, String method, String path, String body) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            http.send(method + " " + path + " HTTP/1.1\r\nHost: " + tenant.subdomain() + ".localhost\r\napikey: "
                    + tenant.key() + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                    + "\r\nConnection: close\r\n\r\n" + (body == null ? "" : body));
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).as("%s %s answered by PocketBase", method, path).isLessThan(500);
            bytesOut += r.body().length;
        }
    }

    private static JsonNode today(ApiClient client, String id) {
        ApiClient.Reply r = client.get("/api/instances/" + id + "/usage?days=1");
        assertThat(r.status()).isEqualTo(200);
        JsonNode day = r.json().path("days").get(0);
        assertThat(day.path("day").asText()).isEqualTo(LocalDate.now(ZoneOffset.UTC).toString());
        return day;
    }

    private static long latestBackupBytes(ApiClient client, String id) {
        JsonNode backups = client.get("/api/instances/" + id + "/backups").json().path("backups");
        for (JsonNode b : backups) {
            if (b.path("current").asBoolean()) {
                return b.path("sizeBytes").asLong();
            }
        }
        throw new AssertionError("no current backup: " + backups);
    }
}
