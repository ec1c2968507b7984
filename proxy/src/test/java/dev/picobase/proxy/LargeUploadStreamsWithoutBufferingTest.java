package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Uploads stream through: a gateway that aggregated bodies would need the whole file in memory per
 * request (and a size limit PocketBase does not have). A 20 MB body, sent with Content-Length and
 * chunked, must reach the backend byte for byte.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LargeUploadStreamsWithoutBufferingTest {
    private static final int SIZE = 20 * 1024 * 1024;

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    private static byte[] body;

    @BeforeAll
    static void makeBody() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(SIZE);
        try {
            TestBackend.writePattern(out, SIZE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        body = out.toByteArray();
    }

    @Test
    void contentLengthUploadArrivesIntact() {
        JsonNode echoed = upload(HttpRequest.BodyPublishers.ofByteArray(body));
        assertThat(gateway.backend().lastReceived().header("content-length")).isEqualTo(String.valueOf(SIZE));
        assertThat(echoed.path("bodyLength").asLong()).isEqualTo(SIZE);
        assertThat(echoed.path("bodySha256").asText()).isEqualTo(TestBackend.patternSha256(SIZE));
    }

    @Test
    void chunkedUploadArrivesIntact() {
        JsonNode echoed = upload(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        assertThat(gateway.backend().lastReceived().header("transfer-encoding")).isEqualTo("chunked");
        assertThat(echoed.path("bodyLength").asLong()).isEqualTo(SIZE);
        assertThat(echoed.path("bodySha256").asText()).isEqualTo(TestBackend.patternSha256(SIZE));
    }

    private static JsonNode upload(HttpRequest.BodyPublisher publisher) {
        HttpResponse<String> r = gateway.send(gateway.appRequest("/upload")
                .timeout(java.time.Duration.ofSeconds(30))
                .POST(publisher).build());
        assertThat(r.statusCode()).isEqualTo(200);
        return GatewayFixture.json(r.body());
    }
}
