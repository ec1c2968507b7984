package dev.picobase.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A request through the gateway shows up, within a few seconds, as the instance's
 * {@code lastActivityAt} and the key's {@code lastUsedAt} (batched writes, never one per request).
 * What went wrong before: both stayed empty forever, since nothing recorded them.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@Timeout(60)
class LastActivityAndKeyUseAreRecordedTest {
    @Parameter
    StoreKind kind;

    @TempDir
    Path dir;

    @Test
    void aRequestThroughTheGatewayIsRecorded() {
        try (RunningApi api = RunningApi.start(kind, dir)) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            JsonNode instance = user.createInstance();
            String id = instance.get("id").asText();
            String key = user.createKey(id).get("key").asText();
            assertThat(user.client().get("/api/instances/" + id).json().path("lastActivityAt").isNull()).isTrue();

            try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
                http.send("GET /api/health HTTP/1.1\r\nHost: " + instance.get("subdomain").asText()
                        + ".localhost\r\napikey: " + key + "\r\nConnection: close\r\n\r\n");
                assertThat(http.readResponse().status()).isEqualTo(200);
            }
            Deadline.await("lastActivityAt and lastUsedAt to be recorded", Duration.ofSeconds(15), () ->
                    !user.client().get("/api/instances/" + id).json().path("lastActivityAt").isNull()
                            && !user.client().get("/api/instances/" + id + "/keys").json()
                                    .path("keys").get(0).path("lastUsedAt").isNull());
        }
    }
}
