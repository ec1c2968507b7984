package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: a WebSocket for an instance another node runs was answered 503 at the node the
 * client reached. Now it goes through two real gateways: the client's node ({@code first}, which
 * checks the key) upgrades through the owner's gateway ({@code owner}, which believes the hop) to
 * PocketBase (the owner's {@link TestBackend}), and bytes flow both ways through both tunnels.
 * PocketBase sees the client's address and neither the key nor the cluster secret.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WebSocketTunnelsThroughTheOwnersGatewayTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";
    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: %s\r\napikey: %s\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    @RegisterExtension
    static final GatewayFixture owner = GatewayFixture.create().clusterSecret(SECRET);

    @RegisterExtension
    static final GatewayFixture first = GatewayFixture.create().clusterSecret(SECRET);

    @Test
    void bytesFlowBothWaysThroughBothGateways() throws IOException {
        InetSocketAddress ownerGateway = new InetSocketAddress("127.0.0.1", owner.port());
        first.backends(new Backends() {
            @Override
            public CompletableFuture<Target> targetFor(String instanceId) {
                return CompletableFuture.completedFuture(Target.hop(ownerGateway, "node-a"));
            }
        });
        try (RawHttp c = first.raw()) {
            c.send(UPGRADE.formatted(first.appHost(), first.appKey()));
            RawHttp.Response r = c.readHead();
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            TestBackend.Received got = owner.backend().lastReceived();
            assertThat(got.header("upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(got.header("apikey")).isNull();
            assertThat(got.header("x-picobase-cluster-hop")).isNull();
            assertThat(got.header("x-real-ip")).isEqualTo("127.0.0.1");

            for (String message : new String[] {"hello", "second message, after the first"}) {
                byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
                c.send(bytes);
                assertThat(new String(c.input().readNBytes(bytes.length), StandardCharsets.UTF_8)).isEqualTo(message);
            }
            assertThat(first.server().inFlight()).isEqualTo(1);
            assertThat(owner.server().inFlight()).isEqualTo(1);
            c.send("bye"); // PocketBase ends the tunnel: both gateways close it
            assertThat(c.closedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        Deadline.await("both tunnels to end", Duration.ofSeconds(5),
                () -> first.server().inFlight() == 0 && owner.server().inFlight() == 0);
    }
}
