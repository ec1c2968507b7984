package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: the control API's only timeout was a {@code ReadTimeoutHandler(60)}, which restarts
 * on every byte. 1,024 connections (8 loopback addresses at the per-address cap of 128) each sending
 * one header byte every 20 s held every connection slot indefinitely, and everyone else got 503. Now
 * a whole request must arrive within {@code PICOBASE_GATEWAY_HEADER_TIMEOUT} (1 s here) of the
 * connection opening or of the last response; connections that keep to it are unaffected. The
 * metadata store plays no part, so one back end is enough.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlApiSlowRequestsAreClosedTest {
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final String HEALTH = "GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private RunningApi api;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir,
                Map.of("PICOBASE_GATEWAY_HEADER_TIMEOUT", "1s"), Clock.systemUTC());
    }

    @AfterAll
    void stop() {
        api.close();
    }

    @Test
    void aConnectionTricklingItsRequestHeadIsClosedWithinTheDeadline() {
        byte[] head = "GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
        try (RawHttp connection = RawHttp.connect(api.port())) {
            long start = System.nanoTime();
            boolean closed = false;
            // One byte every 200 ms, for up to three deadlines; the old read timeout never fired.
            for (int i = 0; i < 15 && !closed; i++) {
                try {
                    connection.send(new byte[] {head[i % head.length]});
                } catch (UncheckedIOException reset) {
                    closed = true;
                    break;
                }
                closed = connection.closedByPeer(Duration.ofMillis(200));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(closed).as("closed while trickling").isTrue();
            assertThat(took).isLessThan(DEADLINE.multipliedBy(2));
        }
    }

    @Test
    void aBodyThatStopsHalfwayIsClosedWithinTheDeadline() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            connection.send("POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"name\":");

            assertThat(connection.closedByPeer(DEADLINE.multipliedBy(2))).isTrue();
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheDeadline() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response response = connection.send(HEALTH).readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("connection")).isNotEqualToIgnoringCase("close");

            assertThat(connection.closedByPeer(DEADLINE.multipliedBy(2))).isTrue();
        }
    }

    @Test
    void aKeptAliveConnectionIsReusedWithinTheDeadlineForLongerThanTheDeadline() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            // Four requests 500 ms apart: 2 s on one connection, each within 1 s of the last answer.
            for (int i = 0; i < 4; i++) {
                assertThat(connection.send(HEALTH).readResponse().status()).as("request " + i).isEqualTo(200);
                assertThat(connection.closedByPeer(DEADLINE.dividedBy(2))).as("closed after request " + i).isFalse();
            }
        }
    }

    @Test
    void aSlowButTimelyRequestIsServed() {
        String email = Unique.email();
        String body = json("name", "Ada", "email", email, "password", "correct horse battery");
        try (RawHttp connection = RawHttp.connect(api.port())) {
            connection.send("POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\n");
            connection.closedByPeer(Duration.ofMillis(150));
            connection.send("Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n");
            int third = body.length() / 3;
            for (String piece : new String[] {body.substring(0, third), body.substring(third, 2 * third),
                body.substring(2 * third)}) {
                assertThat(connection.closedByPeer(Duration.ofMillis(150))).isFalse();
                connection.send(piece);
            }

            assertThat(connection.readResponse().status()).isEqualTo(201);
        }
        assertThat(api.store().findCredentials(email)).isPresent();
    }
}
