package dev.picobase.core.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.picobase.core.runtime.InstanceStartException;
import dev.picobase.testsupport.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * If something else already listens on the port a PocketBase was given (another PicoBase's
 * PocketBase on a shared host, say) and answers {@code /api/health} with 200, that answer must not
 * make our instance "running": our PocketBase cannot bind and exits, and requests would otherwise go
 * to someone else's server and data.
 */
class ForeignServerOnThePortIsNotTakenForPocketBaseTest {
    @TempDir
    Path dir;

    @Test
    void aHealthyServerOfAnotherProcessOnThePortIsAPortConflictNotASuccessfulStart() throws Exception {
        HttpServer foreign = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        foreign.createContext("/api/health", exchange -> {
            byte[] body = "{\"code\":200,\"message\":\"API is healthy.\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        foreign.start();
        try (InstanceLog log = InstanceLog.open(dir.resolve("alpha.log"))) {
            int taken = foreign.getAddress().getPort();
            // Warm the probe's HTTP client, so its first answer comes before our PocketBase gives up on the port.
            assertThat(HealthProbe.healthy(taken)).isTrue();
            PocketBaseProcess[] started = new PocketBaseProcess[1];
            Throwable thrown = catchThrowable(() -> started[0] = PocketBaseProcess.start("alpha", Tools.pocketbase(),
                    dir.resolve("alpha"), taken, log, Duration.ofSeconds(20)));
            if (started[0] != null) {
                started[0].stop(Duration.ofSeconds(5)); // the bug: taken for healthy; leave no process behind
            }
            assertThat(thrown)
                    .isInstanceOfSatisfying(InstanceStartException.class, e -> assertThat(e.portConflict()).isTrue())
                    .hasMessageContaining("address already in use");
        } finally {
            foreign.stop(0);
        }
    }

    @Test
    void theListenerOfThisJvmIsFoundAsItsOwnAndNotAsAnotherProcesss() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.start();
        Process other = new ProcessBuilder("sleep", "30").start();
        try {
            int port = server.getAddress().getPort();
            assertThat(ListeningSocket.ownedBy(ProcessHandle.current().pid(), port)).isTrue();
            assertThat(ListeningSocket.ownedBy(other.pid(), port)).isFalse();
        } finally {
            other.destroyForcibly();
            server.stop(0);
        }
    }

    @Test
    void procNetTcpLinesAreReadForListenersOnThePortOnly() {
        List<String> lines = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0",
                "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0",
                "   2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3333 1 0",
                "   3: 0000000000000000FFFF00000100007F:1F92 00000000000000000000000000000000:0000 0A "
                        + "00000000:00000000 00:00000000 00000000     0        0 4444 1 0");
        assertThat(ListeningSocket.listeningInodes(lines, 8080)).containsExactly("1111"); // not the connection
        assertThat(ListeningSocket.listeningInodes(lines, 8081)).containsExactly("3333");
        assertThat(ListeningSocket.listeningInodes(lines, 8082)).containsExactly("4444"); // tcp6, v4-mapped
        assertThat(ListeningSocket.listeningInodes(lines, 8083)).isEmpty();
    }
}
