package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PocketBase sees only the gateway's address; without {@code X-Forwarded-*} its logs, rate limits
 * and redirects would all be wrong. A client that is not a trusted proxy cannot claim another
 * address, proto or host (see {@link ClientSentAddressHeadersAreReplacedTest} for trusted proxies).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ForwardedHeadersAreSetTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void forwardedHeadersAreSetAndNotTakenFromTheClient() {
        int status = gateway.send(gateway.appRequest("/echo")
                .header("X-Forwarded-For", "203.0.113.9")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "evil.example").build()).statusCode();
        assertThat(status).isEqualTo(200);
        TestBackend.Received got = gateway.backend().lastReceived();
        assertThat(got.header("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(got.header("x-forwarded-proto")).isEqualTo("http");
        assertThat(got.header("x-forwarded-host")).isEqualTo(gateway.appHost());
    }

    @Test
    void forwardedForIsTheClientWhenAbsent() {
        assertThat(gateway.send(gateway.appRequest("/echo").build()).statusCode()).isEqualTo(200);
        assertThat(gateway.backend().lastReceived().header("x-forwarded-for")).isEqualTo("127.0.0.1");
    }
}
