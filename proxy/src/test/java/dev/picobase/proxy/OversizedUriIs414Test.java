package dev.picobase.proxy;

import static dev.picobase.proxy.testsupport.Rejections.assertRejectedAndClosed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request line longer than the limit must get 414 at once, not be buffered without bound and not
 * be answered with a reset or a generic 400 the client cannot act on.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OversizedUriIs414Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().limits(4096, 8192);

    @Test
    void longUriGets414() {
        String uri = "/api/x?q=" + "a".repeat(6000);
        assertRejectedAndClosed(gateway, "GET " + uri + " HTTP/1.1\r\nHost: " + gateway.appHost()
                + "\r\napikey: " + gateway.appKey() + "\r\n\r\n", 414);
        assertThat(gateway.send(gateway.appRequest("/api/x?q=" + "a".repeat(1000)).build()).statusCode()).isEqualTo(200);
    }
}
