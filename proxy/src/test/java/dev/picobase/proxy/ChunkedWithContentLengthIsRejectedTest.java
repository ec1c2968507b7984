package dev.picobase.proxy;

import static dev.picobase.proxy.testsupport.Rejections.appHead;
import static dev.picobase.proxy.testsupport.Rejections.assertRejectedAndClosed;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Both {@code Content-Length} and {@code Transfer-Encoding: chunked} is the classic request-smuggling
 * shape: framed by one header here and by the other in PocketBase, the tail of the body would be
 * read as a second request the gateway never checked. Refuse it with a JSON 400 and close the
 * connection (its remaining bytes cannot be trusted); forward nothing.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChunkedWithContentLengthIsRejectedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void chunkedWithContentLengthGets400AndClose() {
        assertRejectedAndClosed(gateway, appHead(gateway, "POST /echo HTTP/1.1")
                + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n", 400);
    }

    @Test
    void contentLengthAfterChunkedGets400AndClose() {
        assertRejectedAndClosed(gateway, appHead(gateway, "POST /echo HTTP/1.1")
                + "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n", 400);
    }
}
