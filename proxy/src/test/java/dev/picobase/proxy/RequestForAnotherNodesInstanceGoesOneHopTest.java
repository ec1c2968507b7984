package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import dev.picobase.testsupport.RawHttp;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: a request reaching a node that does not hold its instance's lease was answered
 * 503 {@code instance_elsewhere}, so a client behind a load balancer failed whenever it reached the
 * wrong node. Now such a request goes one hop to the owner's gateway (the {@link TestBackend} plays
 * it here): with its original {@code Host} and path, the cluster secret, the id of the key that
 * admitted it and the client's address — and without the key itself. It is not counted for idle
 * tracking on this node, and a request that arrived as a hop is never sent on again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RequestForAnotherNodesInstanceGoesOneHopTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().clusterSecret(SECRET);

    private final AtomicInteger ended = new AtomicInteger();

    private void ownerIsNodeA() {
        InetSocketAddress ownerGateway = gateway.backend().address();
        gateway.backends(new Backends() {
            @Override
            public CompletableFuture<Target> targetFor(String instanceId) {
                return CompletableFuture.completedFuture(Target.hop(ownerGateway, "node-a"));
            }

            @Override
            public void exchangeEnded(String instanceId) {
                ended.incrementAndGet();
            }
        });
    }

    @Test
    void theRequestReachesTheOwnerWithTheHopHeadersAndWithoutTheKey() {
        ownerIsNodeA();
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/items?apikey="
                + gateway.appKey() + "&page=2").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"a\":1}"))
                .header("Content-Type", "application/json").build());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        TestBackend.Received got = gateway.backend().lastReceived();
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.uri()).isEqualTo("/api/items?page=2");
        assertThat(got.header("host")).isEqualTo(gateway.appHost());
        assertThat(got.header("x-picobase-cluster-hop")).isEqualTo(SECRET);
        assertThat(got.header("x-picobase-cluster-key-id")).isEqualTo(gateway.appKeyRow().id());
        assertThat(got.header("apikey")).isNull();
        assertThat(got.header("x-real-ip")).isEqualTo("127.0.0.1");
        assertThat(GatewayFixture.json(r.body()).path("body").asText()).isEqualTo("{\"a\":1}");
        assertThat(ended).as("a hop is not counted here, so nothing is ended").hasValue(0);
    }

    @Test
    void aStreamGoesThroughTheHopAsItComes() {
        ownerIsNodeA();
        try (RawHttp http = gateway.raw()) {
            http.send("GET /sse HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey()
                    + "\r\nAccept: text/event-stream\r\n\r\n");
            RawHttp.Response head = http.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Type")).isEqualTo("text/event-stream");
            // The first event arrives while the owner still holds the stream open.
            assertThat(new String(readSome(http), java.nio.charset.StandardCharsets.UTF_8)).contains("data: one");
        } finally {
            gateway.backend().release();
        }
    }

    @Test
    void aRequestThatArrivedAsAHopIsNeverForwardedAgain() {
        ownerIsNodeA(); // this node believes node-a runs it, and node-a forwarded it here
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/echo")
                .header(ClusterHop.HEADER, SECRET).build());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isEqualTo("instance_elsewhere");
        assertThat(gateway.backend().received()).as("not sent on to node-a").isEmpty();
        assertThat(ended).hasValue(0);
    }

    private static byte[] readSome(RawHttp http) {
        try {
            byte[] buf = new byte[512];
            int n = http.input().read(buf);
            return java.util.Arrays.copyOf(buf, Math.max(n, 0));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
