package dev.picobase.proxy;

import static dev.picobase.proxy.testsupport.Rejections.appHead;
import static dev.picobase.proxy.testsupport.Rejections.assertRejectedAndClosed;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two different {@code Content-Length}s (as two headers or one list) leave the body's end up to
 * whoever reads it; the gateway and PocketBase might pick different ones. Refuse with 400 and close.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConflictingContentLengthsAreRejectedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void twoDifferentContentLengthHeadersGet400() {
        assertRejectedAndClosed(gateway, appHead(gateway, "POST /echo HTTP/1.1")
                + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400);
    }

    @Test
    void contentLengthListGets400() {
        assertRejectedAndClosed(gateway, appHead(gateway, "POST /echo HTTP/1.1")
                + "Content-Length: 5, 6\r\n\r\nhello!", 400);
    }

    @Test
    void negativeOrNonNumericContentLengthGets400() {
        assertRejectedAndClosed(gateway, appHead(gateway, "POST /echo HTTP/1.1")
                + "Content-Length: -1\r\n\r\n", 400);
        assertRejectedAndClosed(gateway, appHead(gateway, "POST /echo HTTP/1.1")
                + "Content-Length: 5x\r\n\r\nhello", 400);
    }
}
