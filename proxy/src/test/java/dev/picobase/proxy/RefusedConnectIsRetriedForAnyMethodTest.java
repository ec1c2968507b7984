package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: a POST that arrived while its instance was being stopped went to the old
 * PocketBase's port, the connect was refused, and the client got 502 — a refused connect was retried
 * only for GET, HEAD and OPTIONS. A refused connect sent no bytes, so any method can go again: the
 * gateway asks once more where the instance runs (waiting for its next start) and sends it there.
 * Every target it was given is ended once, so the instance's in-flight count (idle stops, drains)
 * stays true.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RefusedConnectIsRetriedForAnyMethodTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void aPostWhoseFirstConnectIsRefusedReachesTheNextBackend() {
        InetSocketAddress stopped = new InetSocketAddress("127.0.0.1", FreePorts.next());
        AtomicInteger targets = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        gateway.backends(new Backends() {
            @Override
            public CompletableFuture<Target> targetFor(String instanceId) {
                // First where the instance was (now refusing), then where its next start put it.
                return CompletableFuture.completedFuture(new Target(targets.getAndIncrement() == 0 ? stopped
                        : gateway.backend().address(), null));
            }

            @Override
            public void exchangeEnded(String instanceId) {
                ended.incrementAndGet();
            }
        });

        HttpResponse<String> r = gateway.send(gateway.appRequest("/echo")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"kept\"}")).build());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(gateway.backend().lastReceived().method()).isEqualTo("POST");
        assertThat(r.body()).contains("kept");
        assertThat(targets.get()).isEqualTo(2);
        Deadline.await("each target ended once", Duration.ofSeconds(5), () -> ended.get() == 2);
    }

    @Test
    void aPostRefusedTwiceGets502AndEndsBothTargets() {
        InetSocketAddress nobody = new InetSocketAddress("127.0.0.1", FreePorts.next());
        AtomicInteger targets = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        gateway.backends(new Backends() {
            @Override
            public CompletableFuture<Target> targetFor(String instanceId) {
                targets.incrementAndGet();
                return CompletableFuture.completedFuture(new Target(nobody, null));
            }

            @Override
            public void exchangeEnded(String instanceId) {
                ended.incrementAndGet();
            }
        });

        HttpResponse<String> r = gateway.send(gateway.appRequest("/echo")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(targets.get()).as("retried once, not forever").isEqualTo(2);
        Deadline.await("each target ended once", Duration.ofSeconds(5), () -> ended.get() == 2);
    }
}
