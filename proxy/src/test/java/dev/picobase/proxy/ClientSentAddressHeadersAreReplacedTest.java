package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.Cidr;
import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: a client's own {@code X-Real-IP: 7.7.7.7} reached PocketBase, which logged the
 * request as {@code userIp=7.7.7.7} (and would rate-limit by it). PocketBase believes
 * {@code CF-Connecting-IP}, {@code Fly-Client-IP}, {@code X-Real-IP} and {@code X-Forwarded-For}, so
 * the gateway now replaces all of them with the peer's address — unless the peer is a trusted proxy
 * ({@code PICOBASE_TRUSTED_PROXIES}), whose {@code X-Forwarded-For} names the client.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientSentAddressHeadersAreReplacedTest {
    @RegisterExtension
    static final GatewayFixture direct = GatewayFixture.create();

    @RegisterExtension
    static final GatewayFixture behindProxy = GatewayFixture.create()
            .configure(c -> c.withTrustedProxies(List.of(Cidr.parse("127.0.0.0/8"))));

    @Test
    void anUntrustedClientCannotClaimAnotherAddress() {
        TestBackend.Received got = sendClaims(direct);
        assertThat(got.header("x-real-ip")).isEqualTo("127.0.0.1");
        assertThat(got.header("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(got.header("cf-connecting-ip")).isNull();
        assertThat(got.header("fly-client-ip")).isNull();
        assertThat(got.header("x-forwarded-proto")).isEqualTo("http");
        assertThat(got.header("x-forwarded-host")).isEqualTo(direct.appHost());
    }

    @Test
    void aTrustedProxyNamesTheClient() {
        TestBackend.Received got = sendClaims(behindProxy);
        assertThat(got.header("x-real-ip")).isEqualTo("6.6.6.6");
        assertThat(got.header("x-forwarded-for")).isEqualTo("6.6.6.6, 127.0.0.1");
        assertThat(got.header("cf-connecting-ip")).isNull();
        assertThat(got.header("x-forwarded-proto")).isEqualTo("https");
        assertThat(got.header("x-forwarded-host")).isEqualTo("app.example.com");
    }

    private static TestBackend.Received sendClaims(GatewayFixture gateway) {
        int status = gateway.send(gateway.appRequest("/echo")
                .header("X-Real-IP", "7.7.7.7")
                .header("X-Forwarded-For", "6.6.6.6")
                .header("CF-Connecting-IP", "5.5.5.5")
                .header("Fly-Client-IP", "4.4.4.4")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "app.example.com").build()).statusCode();
        assertThat(status).isEqualTo(200);
        return gateway.backend().lastReceived();
    }
}
