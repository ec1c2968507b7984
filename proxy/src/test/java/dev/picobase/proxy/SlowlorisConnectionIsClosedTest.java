package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slowloris: a client that trickles a request head a byte at a time never completes a request, so
 * a timeout armed per request (or reset per byte) never fires and a few hundred such clients hold
 * every connection. The head must be complete within the head timeout of connecting.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SlowlorisConnectionIsClosedTest {
    private static final Duration HEAD_TIMEOUT = Duration.ofMillis(500);

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().headTimeout(HEAD_TIMEOUT);

    @Test
    void tricklingHeadIsClosedWithinHeadTimeout() throws Exception {
        try (RawHttp c = gateway.raw()) {
            long start = System.nanoTime();
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickler = new Thread(() -> {
                String head = "GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\n" + "X-Pad: aaaa\r\n".repeat(100);
                try {
                    for (int i = 0; i < head.length() && !stop.get(); i++) {
                        c.send(head.substring(i, i + 1));
                        Thread.sleep(20); // the attacker's pace, not a wait for the gateway
                    }
                } catch (RuntimeException | InterruptedException e) {
                    // the gateway closed the connection
                }
            });
            trickler.setDaemon(true);
            trickler.start();
            boolean closed = c.closedByPeer(Duration.ofSeconds(5));
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            stop.set(true);
            assertThat(closed).as("closed by the gateway").isTrue();
            assertThat(elapsedMillis).isLessThan(HEAD_TIMEOUT.toMillis() + 1_500);
            trickler.join(5_000);
        }
        assertThat(gateway.backend().received()).isEmpty();
        assertThat(gateway.send(gateway.appRequest("/echo").build()).statusCode()).isEqualTo(200);
    }
}
