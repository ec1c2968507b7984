package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: in a rolling restart behind nginx ({@code keepalive} to the gateways), a node that was
 * stopping answered its last requests as if its connections would stay open, then closed them all at
 * once when the drain ended. nginx and the other nodes' pools went on sending requests on those
 * connections; a POST that met the close was lost without an answer (nginx: 502; a forwarding node: 502
 * {@code backend_failed}), one to four times per three-node rolling restart. Now a response given while
 * the gateway stops says {@code Connection: close} and its connection is closed after it, so the client
 * opens a new connection (refused: it moves on) instead of reusing a dying one.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResponsesDuringShutdownCloseTheirConnectionTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void aResponseFinishedDuringShutdownSaysConnectionCloseAndClosesIt() throws Exception {
        int port = gateway.port();
        try (RawHttp kept = gateway.raw()) {
            kept.send("GET /hold HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey()
                    + "\r\n\r\n"); // HTTP/1.1: keep-alive
            Deadline.await("the request to reach the backend", Duration.ofSeconds(5),
                    () -> !gateway.backend().received().isEmpty());

            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> gateway.shutdown(Duration.ofSeconds(10)));
            Deadline.await("new connections to be refused", Duration.ofSeconds(5), () -> !accepts(port));
            gateway.backend().release();
            RawHttp.Response r = kept.readResponse();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Connection")).as("the client is told not to reuse the connection").isEqualTo("close");
            assertThat(kept.isClosedByServer()).isTrue();
            shutdown.get(10, TimeUnit.SECONDS);
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
