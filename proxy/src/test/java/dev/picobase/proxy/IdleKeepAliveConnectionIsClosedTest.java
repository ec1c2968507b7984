package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A keep-alive connection left idle after a response holds a socket and its buffers forever unless
 * the gateway closes it; the next head must arrive within the head timeout of the last response.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IdleKeepAliveConnectionIsClosedTest {
    private static final Duration HEAD_TIMEOUT = Duration.ofMillis(500);

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().headTimeout(HEAD_TIMEOUT);

    @Test
    void idleConnectionIsClosedAfterHeadTimeout() {
        try (RawHttp c = gateway.raw()) {
            RawHttp.Response r = c.send("GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: "
                    + gateway.appKey() + "\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(200);
            long answered = System.nanoTime();
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
            long idleMillis = (System.nanoTime() - answered) / 1_000_000;
            assertThat(idleMillis).isBetween(HEAD_TIMEOUT.toMillis() - 100, HEAD_TIMEOUT.toMillis() + 1_500);
        }
    }
}
