package dev.picobase.proxy;

import static dev.picobase.proxy.testsupport.Rejections.appHead;
import static dev.picobase.proxy.testsupport.Rejections.assertRejectedAndClosed;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Any {@code Transfer-Encoding} other than a single plain {@code chunked} ({@code gzip, chunked},
 * {@code identity}, obfuscated spellings, the header twice) is framed differently by different
 * servers — a smuggling vector. Refuse with 400 and close.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnsupportedTransferEncodingIsRejectedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void otherTransferEncodingsGet400() {
        for (String te : new String[] {"Transfer-Encoding: gzip, chunked", "Transfer-Encoding: identity",
                "Transfer-Encoding: xchunked", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
                "Transfer-Encoding: chunked, identity"}) {
            assertRejectedAndClosed(gateway, appHead(gateway, "POST /echo HTTP/1.1") + te + "\r\n\r\n0\r\n\r\n", 400);
        }
    }
}
