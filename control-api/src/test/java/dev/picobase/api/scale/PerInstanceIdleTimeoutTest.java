package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code PATCH /api/instances/:id {"idleTimeoutSeconds": N}} gives one instance its own idle timeout:
 * with the platform's default at an hour, an instance set to 10 s is saved and stopped after 10 s
 * idle, while another instance keeps running; {@code null} goes back to the default.
 */
@Timeout(90)
class PerInstanceIdleTimeoutTest {
    @TempDir
    Path dir;

    @Test
    void anInstanceWithItsOwnIdleTimeoutIsStoppedByItAndOthersAreNot() {
        Map<String, String> env = new HashMap<>(StorageKind.LOCAL.environment(dir));
        env.put("PICOBASE_IDLE_TIMEOUT", "1h");
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, env, Clock.systemUTC())) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            ApiClient client = user.client();
            String quick = user.createInstance().get("id").asText();
            String slow = user.createInstance().get("id").asText();

            ApiClient.Reply bad = client.send("PATCH", "/api/instances/" + quick, ApiClient.json("idleTimeoutSeconds", 1));
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().path("error").path("field").asText()).isEqualTo("idleTimeoutSeconds");
            assertThat(client.send("PATCH", "/api/instances/" + quick, "{\"color\":\"red\"}").status()).isEqualTo(400);

            ApiClient.Reply set = client.send("PATCH", "/api/instances/" + quick,
                    ApiClient.json("idleTimeoutSeconds", 10, "name", "Quick app"));
            assertThat(set.status()).isEqualTo(200);
            assertThat(set.json().path("idleTimeoutSeconds").asLong()).isEqualTo(10);
            assertThat(set.json().path("name").asText()).isEqualTo("Quick app");

            assertThat(client.post("/api/instances/" + quick + "/start").status()).isEqualTo(200);
            assertThat(client.post("/api/instances/" + slow + "/start").status()).isEqualTo(200);
            Deadline.await("the instance with a 10 s idle timeout to stop", Duration.ofSeconds(40),
                    () -> status(client, quick).equals("stopped"));
            assertThat(status(client, slow)).isEqualTo("running");

            JsonNode cleared = client.send("PATCH", "/api/instances/" + quick, "{\"idleTimeoutSeconds\":null}").json();
            assertThat(cleared.path("idleTimeoutSeconds").isNull()).isTrue();
        }
    }

    private static String status(ApiClient client, String id) {
        return client.get("/api/instances/" + id).json().path("status").asText();
    }
}
