package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: once a response had started, nothing timed an exchange out, so a client that
 * asked for a large download and never read it held the exchange, and a connection to PocketBase,
 * for as long as it liked (150 such connections from one address held 150 PocketBase connections
 * for minutes, past the stream cap). A client that reads nothing for the response timeout is now
 * closed, and the backend connection with it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientThatStopsReadingIsClosedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().responseTimeout(Duration.ofSeconds(1));

    @Test
    void aStalledDownloadIsClosedAfterTheResponseTimeout() {
        try (RawHttp c = RawHttp.connect(gateway.port(), 4096)) {
            c.send("GET /bytes?size=" + (64 << 20) + " HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: "
                    + gateway.appKey() + "\r\n\r\n");
            Deadline.await("the exchange to start", Duration.ofSeconds(5), () -> gateway.server().inFlight() == 1);
            // Not a byte read: the gateway must give up on this client by itself.
            Deadline.await("the stalled exchange to be closed", Duration.ofSeconds(10),
                    () -> gateway.server().inFlight() == 0);
            assertThat(gateway.backend().bytesWritten()).isLessThan(64L << 20);
            assertThat(c.closedByPeer(Duration.ofSeconds(10))).isTrue();
        }
    }
}
