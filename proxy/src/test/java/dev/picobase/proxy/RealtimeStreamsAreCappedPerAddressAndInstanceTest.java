package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

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
 * What went wrong: one account opened ~10,000 {@code /api/realtime} streams with its own key; the
 * gateway held them all, the JVM ran out of file descriptors and one PocketBase grew to 2.6 GB, so
 * every other tenant and the control API went unanswered. Long-lived streams (SSE and WebSocket) are
 * now capped per client address and per instance; past a cap the client gets 429 with
 * {@code Retry-After} before anything reaches PocketBase, while ordinary requests and other tenants'
 * streams go on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealtimeStreamsAreCappedPerAddressAndInstanceTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().configure(c -> c.withStreams(3, 5));

    private final List<RawHttp> open = new ArrayList<>();

    @AfterEach
    void closeStreams() {
        open.forEach(RawHttp::close);
    }

    @Test
    void streamsPastTheAddressAndInstanceCapsGet429WhileOthersGoOn() {
        // 127.0.0.1: two SSE streams and a WebSocket reach the cap of 3 per address.
        assertThat(sse("127.0.0.1", gateway.appHost(), gateway.appKey()).status()).isEqualTo(200);
        assertThat(sse("127.0.0.1", gateway.appHost(), gateway.appKey()).status()).isEqualTo(200);
        assertThat(webSocket("127.0.0.1").status()).isEqualTo(101);
        RawHttp.Response fourth = refusedSse("127.0.0.1", gateway.appHost(), gateway.appKey());
        assertThat(fourth.status()).isEqualTo(429);
        assertThat(fourth.header("Retry-After")).isNotNull();
        assertThat(fourth.errorCode()).isEqualTo("too_many_streams");
        assertThat(fourth.json().path("message").asText()).contains("your address");

        // 127.0.0.2: two more fill the instance's 5; the next is refused for the instance.
        assertThat(sse("127.0.0.2", gateway.appHost(), gateway.appKey()).status()).isEqualTo(200);
        assertThat(sse("127.0.0.2", gateway.appHost(), gateway.appKey()).status()).isEqualTo(200);
        RawHttp.Response sixth = refusedSse("127.0.0.3", gateway.appHost(), gateway.appKey());
        assertThat(sixth.status()).isEqualTo(429);
        assertThat(sixth.json().path("message").asText()).contains("this instance");

        // Ordinary requests of the capped address and tenant, and another tenant's stream, go on.
        try (RawHttp plain = gateway.raw()) {
            assertThat(plain.send("GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: "
                    + gateway.appKey() + "\r\n\r\n").readResponse().status()).isEqualTo(200);
        }
        assertThat(sse("127.0.0.4", gateway.otherHost(), gateway.otherKey()).status()).isEqualTo(200);

        // A stream that ends gives its slot back.
        open.remove(0).close();
        Deadline.await("the closed stream's slot to be given back", Duration.ofSeconds(5), () -> {
            try (RawHttp probe = gateway.rawFrom("127.0.0.1")) {
                RawHttp.Response r = probe.send(sseRequest(gateway.appHost(), gateway.appKey())).readHead();
                return r.status() == 200;
            }
        });
    }

    private RawHttp.Response sse(String from, String host, String key) {
        RawHttp c = gateway.rawFrom(from);
        open.add(c);
        return c.send(sseRequest(host, key)).readHead();
    }

    private RawHttp.Response refusedSse(String from, String host, String key) {
        try (RawHttp c = gateway.rawFrom(from)) {
            return c.send(sseRequest(host, key)).readResponse();
        }
    }

    private RawHttp.Response webSocket(String from) {
        RawHttp c = gateway.rawFrom(from);
        open.add(c);
        return c.send("GET /ws HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey()
                + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").readHead();
    }

    private static String sseRequest(String host, String key) {
        return "GET /sse HTTP/1.1\r\nHost: " + host + "\r\napikey: " + key + "\r\nAccept: text/event-stream\r\n\r\n";
    }
}
