package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.FreePorts;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: in a rolling restart, the node being stopped closes its gateway's listener first and
 * holds its leases until its instances are saved. Meanwhile every request another node forwarded to it
 * was refused at connect, asked again (the same owner) and answered 502 {@code backend_unavailable}:
 * 136 of about 3,700 writes through nginx in one three-node rolling restart. Nothing was sent, and the
 * instance is served by another node as soon as the lease is given back (or lapses, if the owner
 * died), so the answer is 503 {@code instance_owner_unreachable} with {@code Retry-After}, for any method.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnreachableOwnerIs503WithRetryAfterTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().clusterSecret(SECRET);

    @Test
    void aWriteForAnOwnerWhoseGatewayDoesNotListenIs503WithRetryAfter() {
        AtomicInteger asked = ownerListensNowhere();

        HttpResponse<String> r = gateway.send(gateway.appRequest("/api/collections/notes/records")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"x\"}"))
                .header("Content-Type", "application/json").build());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText())
                .isEqualTo("instance_owner_unreachable");
        assertThat(asked).as("where the instance runs was asked again once before giving up").hasValue(2);
    }

    @Test
    void aReadIsAnsweredTheSame() {
        ownerListensNowhere();

        HttpResponse<String> r = gateway.send(gateway.appRequest("/api/health").build());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }

    /** The instance's lease is node-a's, whose gateway address nobody listens on. */
    private static AtomicInteger ownerListensNowhere() {
        InetSocketAddress nobody = new InetSocketAddress("127.0.0.1", FreePorts.next());
        AtomicInteger asked = new AtomicInteger();
        gateway.backends(new Backends() {
            @Override
            public CompletableFuture<Target> targetFor(String instanceId) {
                asked.incrementAndGet();
                return CompletableFuture.completedFuture(Target.hop(nobody, "node-a"));
            }
        });
        return asked;
    }
}
