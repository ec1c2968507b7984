package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: a stream request admitted with a key just before the key was revoked — one that
 * waited for its instance to wake — opened its stream after the revocation had closed the key's
 * streams, and kept receiving events. It is now refused with 401.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StreamAdmittedBeforeRevocationIsRefusedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void aStreamAdmittedBeforeTheRevocationDoesNotOpenAfterIt() {
        CompletableFuture<Backends.Target> waking = new CompletableFuture<>();
        gateway.backends(instanceId -> waking);
        try (RawHttp c = gateway.raw()) {
            c.send("GET /sse HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey()
                    + "\r\nAccept: text/event-stream\r\n\r\n");
            Deadline.await("the request to wait for the instance", Duration.ofSeconds(5),
                    () -> gateway.server().inFlight() == 1);
            gateway.server().revokeKey(gateway.appKeyRow().id());
            waking.complete(new Backends.Target(gateway.backend().address(), null));
            RawHttp.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(401);
            assertThat(gateway.backend().received()).isEmpty();
        }
    }
}
