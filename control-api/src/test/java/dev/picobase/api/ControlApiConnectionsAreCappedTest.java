package dev.picobase.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: idle connections from one address, opened on the gateway, took every file
 * descriptor and the control API stopped answering too. The control API now has connection limits
 * of its own, per address and in total, apart from the gateway's; and a flood at the gateway's
 * limit leaves it answering.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlApiConnectionsAreCappedTest {
    private RunningApi api;
    private final List<RawHttp> idle = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path dataDir) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir, Map.of(
                "PICOBASE_API_MAX_CONNECTIONS_PER_ADDRESS", "3",
                "PICOBASE_GATEWAY_MAX_CONNECTIONS", "20"), Clock.systemUTC());
    }

    @AfterAll
    void stop() {
        idle.forEach(RawHttp::close);
        if (api != null) {
            api.close();
        }
    }

    @Test
    void anAddressAtItsLimitIsRefusedWhileOthersAndTheHealthCheckAreServed() {
        for (int i = 0; i < 20; i++) { // the gateway at its total: each answered, so counted in, then kept
            RawHttp kept = RawHttp.connectFrom("127.0.0.5", api.gatewayPort());
            idle.add(kept);
            assertThat(kept.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse().status())
                    .isEqualTo(200);
        }
        try (RawHttp overTotal = RawHttp.connectFrom("127.0.0.6", api.gatewayPort())) {
            assertThat(overTotal.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse().status())
                    .isEqualTo(503);
        }
        for (int i = 0; i < 3; i++) {
            RawHttp kept = RawHttp.connectFrom("127.0.0.1", api.port());
            idle.add(kept);
            // Answered, so counted in before the next one connects; then kept open and idle.
            assertThat(kept.send("GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse().status())
                    .isEqualTo(200);
        }
        try (RawHttp fourth = RawHttp.connectFrom("127.0.0.1", api.port())) {
            RawHttp.Response r = fourth.send("GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.header("Retry-After")).isEqualTo("1");
        }
        try (RawHttp other = RawHttp.connectFrom("127.0.0.2", api.port())) {
            RawHttp.Response r = other.send("GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(200);
        }
    }
}
