package dev.picobase.proxy;

import static dev.picobase.proxy.testsupport.Rejections.assertRejectedAndClosed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request line that is not HTTP/1.x (a bad version, an HTTP/0.9 line, a bad method token) must get a JSON 400 and a
 * close — and must not disturb the gateway: other connections keep being served.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GarbageRequestLineIs400Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void garbageGets400AndGatewayKeepsServing() {
        assertRejectedAndClosed(gateway, "NOT HTTP AT ALL\r\nHost: " + gateway.appHost() + "\r\n\r\n", 400);
        assertRejectedAndClosed(gateway, "GET /index.html\r\nHost: " + gateway.appHost() + "\r\n\r\n", 400);
        assertRejectedAndClosed(gateway, "HELLO\r\n\r\n", 400);
        assertRejectedAndClosed(gateway, "G(E)T / HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\n\r\n", 400);
        assertThat(gateway.send(gateway.appRequest("/echo").build()).statusCode()).isEqualTo(200);
    }
}
