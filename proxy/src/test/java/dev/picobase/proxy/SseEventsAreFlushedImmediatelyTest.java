package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PocketBase's realtime API is server-sent events on a response that never ends. A gateway that
 * buffers until a size threshold or the end of the body delivers events late or never. Each event
 * must reach the client while the backend is still holding the stream open.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SseEventsAreFlushedImmediatelyTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void firstEventArrivesBeforeTheSecondIsSent() throws IOException {
        try (RawHttp c = gateway.raw()) {
            c.send("GET /sse?apikey=" + gateway.appKey() + " HTTP/1.1\r\nHost: " + gateway.appHost()
                    + "\r\nAccept: text/event-stream\r\n\r\n");
            RawHttp.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-type")).isEqualTo("text/event-stream");
            assertThat(readUntil(c.input(), "data: one")).contains("data: one"); // the backend is still waiting
            gateway.backend().release();
            assertThat(readUntil(c.input(), "data: two")).contains("data: two");
        }
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("stream ended before '" + marker + "': " + seen);
            }
            seen.write(b);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}
