package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: the PocketBase SDKs read {@code message} at the top of an error body, which our
 * {@code {"error": {...}}} shape lacks, so a tenant's app showed "Something went wrong" for a wrong key;
 * and the errors had no {@code X-Content-Type-Options}. Gateway errors now carry PocketBase's own
 * fields beside ours, and {@code nosniff}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GatewayErrorsAreReadableByPocketBaseClientsTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void aWrongKeyIsExplainedInBothShapes() {
        RawHttp.Response r;
        try (RawHttp c = gateway.raw()) {
            r = c.send("GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.otherKey()
                    + "\r\n\r\n").readResponse();
        }
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.errorCode()).isEqualTo("unauthorized");
        assertThat(r.json().path("code").asInt()).isEqualTo(401);
        assertThat(r.json().path("message").asText()).isEqualTo(r.json().path("error").path("message").asText())
                .contains("not valid for this instance");
        assertThat(r.json().path("data").isObject()).isTrue();
    }
}
