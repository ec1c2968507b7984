package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.Deadline;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A deploy or restart must not cut requests in flight: shutdown first closes the listener (new
 * connections are refused, so a load balancer moves on), then waits for requests in flight up to
 * the grace period, then stops.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GracefulShutdownFinishesInFlightTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void inFlightRequestCompletesDuringShutdown() throws Exception {
        int port = gateway.port();
        CompletableFuture<HttpResponse<String>> slow = gateway.http().sendAsync(gateway.appRequest("/hold").build(),
                HttpResponse.BodyHandlers.ofString());
        Deadline.await("the request to reach the backend", Duration.ofSeconds(5),
                () -> !gateway.backend().received().isEmpty());

        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(
                () -> gateway.shutdown(Duration.ofSeconds(10)));
        Deadline.await("new connections to be refused", Duration.ofSeconds(5), () -> !accepts(port));
        assertThat(shutdown).isNotDone();
        assertThat(slow).isNotDone();

        gateway.backend().release();
        HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(GatewayFixture.json(r.body()).path("uri").asText()).isEqualTo("/hold");
        shutdown.get(10, TimeUnit.SECONDS);
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
