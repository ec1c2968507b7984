package dev.picobase.proxy;

import static dev.picobase.proxy.testsupport.Rejections.appHead;
import static dev.picobase.proxy.testsupport.Rejections.assertRejectedAndClosed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A header block larger than the limit (one huge header or many small ones) must get 431, so memory
 * per connection stays bounded and the client learns why.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OversizedHeadersAre431Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().limits(4096, 8192);

    @Test
    void hugeHeaderGets431() {
        assertRejectedAndClosed(gateway, appHead(gateway, "GET /echo HTTP/1.1")
                + "X-Big: " + "b".repeat(10_000) + "\r\n\r\n", 431);
    }

    @Test
    void manyHeadersGet431() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            many.append("X-H").append(i).append(": value-").append(i).append("\r\n");
        }
        assertRejectedAndClosed(gateway, appHead(gateway, "GET /echo HTTP/1.1") + many + "\r\n", 431);
        assertThat(gateway.send(gateway.appRequest("/echo").build()).statusCode()).isEqualTo(200);
    }
}
