package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.Deadline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code Upgrade} and {@code Connection} are hop-by-hop, so a proxy that strips them blindly breaks
 * every WebSocket. The gateway must forward the handshake, pass the 101 (with its
 * {@code Sec-WebSocket-Accept}) back, and then relay raw bytes both ways until either side closes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WebSocketUpgradeIsTunneledTest {
    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: %s\r\napikey: %s\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void upgradeIsAnsweredAndBytesFlowBothWays() throws IOException {
        try (RawHttp c = gateway.raw()) {
            c.send(UPGRADE.formatted(gateway.appHost(), gateway.appKey()));
            RawHttp.Response r = c.readHead();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(r.header("connection")).isEqualToIgnoringCase("upgrade");
            assertThat(r.header("sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            assertThat(gateway.backend().lastReceived().header("upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(gateway.backend().lastReceived().header("sec-websocket-key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");

            for (String message : new String[] {"hello", "second message, after the first"}) {
                byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
                c.send(bytes);
                assertThat(new String(c.input().readNBytes(bytes.length), StandardCharsets.UTF_8)).isEqualTo(message);
            }
            assertThat(gateway.server().inFlight()).isEqualTo(1);
        }
        Deadline.await("the tunnel to end", Duration.ofSeconds(5), () -> gateway.server().inFlight() == 0);
    }

    /** A tunnel the backend ends must close the client side and stop counting as in flight. */
    @Test
    void backendClosingTheTunnelClosesTheClient() {
        try (RawHttp c = gateway.raw()) {
            c.send(UPGRADE.formatted(gateway.appHost(), gateway.appKey()));
            assertThat(c.readHead().status()).isEqualTo(101);
            c.send("bye");
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        Deadline.await("the tunnel to end", Duration.ofSeconds(5), () -> gateway.server().inFlight() == 0);
    }
}
