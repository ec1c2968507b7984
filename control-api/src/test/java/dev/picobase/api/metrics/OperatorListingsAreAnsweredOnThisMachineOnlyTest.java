package dev.picobase.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.picobase.api.metrics.ManagementServer.JsonReply;
import dev.picobase.api.metrics.ManagementServer.Route;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An operator may bind the management port beyond loopback (PICOBASE_MANAGEMENT_BIND_ADDRESS) so a
 * Prometheus on another host can scrape it. That must not hand every owner's email
 * ({@code /instances}) and every tenant's log ({@code /logs/...}) to that network: those routes
 * answer 403 to a client that is not on this machine, and answer on loopback; {@code /status} and
 * {@code /metrics} answer either way. Needs an address of this machine other than loopback (skipped
 * on a host without one).
 */
@Timeout(30)
class OperatorListingsAreAnsweredOnThisMachineOnlyTest {
    @Test
    void listingsAreRefusedToOtherAddressesAndServedOnLoopback() throws Exception {
        Optional<InetAddress> outside = nonLoopbackAddress();
        assumeTrue(outside.isPresent(), "this host has no address but loopback");
        try (PlatformMetrics metrics = new PlatformMetrics();
             ManagementServer server = ManagementServer.start("0.0.0.0", 0, metrics, List.of(
                     new Route("/status", false, uri -> JsonReply.ok("{\"ok\":true}")),
                     new Route("/instances", true, uri -> JsonReply.ok("{\"instances\":[]}")),
                     new Route("/logs/", true, uri -> JsonReply.ok("{\"lines\":[]}"))))) {
            String far = "http://" + outside.get().getHostAddress() + ":" + server.port();
            String near = "http://127.0.0.1:" + server.port();

            assertThat(get(far + "/instances")).isEqualTo(new JsonReply(403,
                    "{\"error\":\"loopback_only\",\"message\":\"/instances is answered only on this machine\"}"));
            assertThat(get(far + "/logs/some-app?lines=5").status()).isEqualTo(403);
            assertThat(get(far + "/status").status()).isEqualTo(200);
            assertThat(get(far + "/metrics").status()).isEqualTo(200);

            assertThat(get(near + "/instances")).isEqualTo(JsonReply.ok("{\"instances\":[]}"));
            assertThat(get(near + "/logs/some-app").status()).isEqualTo(200);
            assertThat(get(near + "/logs/").status()).as("no subdomain").isEqualTo(404);
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst();
    }

    private static JsonReply get(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new JsonReply(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
