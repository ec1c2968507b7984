package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.ConnectionLimits;
import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: ~21,000 idle connections from one address used up the process's file
 * descriptors, and the gateway and the control API stopped answering everyone. Connections are now
 * counted per client address and in total as they are accepted; past a limit the connection is
 * answered at once (429 for the address, 503 for the total, both with {@code Retry-After}) and
 * closed, and it is not counted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleConnectionsAreCappedPerAddressAndInTotalTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create()
            .configure(c -> c.withConnections(new ConnectionLimits(12, 5)));

    private final List<RawHttp> idle = new ArrayList<>();

    @AfterEach
    void closeAll() {
        idle.forEach(RawHttp::close);
    }

    @Test
    void connectionsPastTheLimitsAreAnsweredAndClosed() {
        openIdle("127.0.0.1", 5);
        RawHttp.Response sixth = refused("127.0.0.1");
        assertThat(sixth.status()).isEqualTo(429);
        assertThat(sixth.header("Retry-After")).isEqualTo("1");
        assertThat(sixth.errorCode()).isEqualTo("too_many_connections");
        assertThat(gateway.server().connections().open()).isEqualTo(5);

        // Another address is served while the first is at its limit.
        RawHttp other = gateway.rawFrom("127.0.0.2");
        idle.add(other);
        assertThat(other.send(get()).readResponse().status()).isEqualTo(200);

        openIdle("127.0.0.2", 4);
        openIdle("127.0.0.3", 2); // 5 + 5 + 2 = the total of 12
        RawHttp.Response overTotal = refused("127.0.0.4");
        assertThat(overTotal.status()).isEqualTo(503);
        assertThat(overTotal.header("Retry-After")).isEqualTo("1");
        assertThat(gateway.server().connections().refusedForTotal()).isEqualTo(1);
        assertThat(gateway.server().connections().refusedForAddress()).isEqualTo(1);

        // Closed connections give their places back.
        idle.forEach(RawHttp::close);
        idle.clear();
        Deadline.await("closed connections to be counted out", Duration.ofSeconds(5),
                () -> gateway.server().connections().open() == 0);
        try (RawHttp again = gateway.rawFrom("127.0.0.1")) {
            assertThat(again.send(get()).readResponse().status()).isEqualTo(200);
        }
    }

    private void openIdle(String from, int count) {
        int before = gateway.server().connections().open();
        for (int i = 0; i < count; i++) {
            idle.add(gateway.rawFrom(from));
        }
        Deadline.await("the gateway to accept " + count + " connections from " + from, Duration.ofSeconds(5),
                () -> gateway.server().connections().open() == before + count);
    }

    private static RawHttp.Response refused(String from) {
        try (RawHttp c = gateway.rawFrom(from)) {
            return c.send(get()).readResponse();
        }
    }

    private static String get() {
        return "GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey() + "\r\n\r\n";
    }
}
