package dev.picobase.proxy;

import static dev.picobase.proxy.testsupport.Rejections.assertRejectedAndClosed;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With two {@code Host} headers the gateway could route (and check the key) by the first while
 * PocketBase or a later hop uses the second — one tenant's key reaching another's instance. Refuse
 * with 400 (RFC 9112 §3.2).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DuplicateHostIsRejectedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void twoHostHeadersGet400() {
        assertRejectedAndClosed(gateway, "GET /echo HTTP/1.1\r\nHost: " + gateway.appHost()
                + "\r\nHost: other.localhost\r\napikey: " + gateway.appKey() + "\r\n\r\n", 400);
    }
}
