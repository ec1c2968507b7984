package dev.picobase.api.domains;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.CaddyFront;
import dev.picobase.api.testsupport.Curl;
import dev.picobase.api.testsupport.Dnsmasq;
import dev.picobase.api.testsupport.Pebble;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HTTPS as deployed: the shipped {@code config/Caddyfile} run by a real Caddy in front of the
 * platform, obtaining certificates on demand from a real Pebble. A request to an instance's
 * {@code <sub>.<base-domain>} and to its verified custom domain (TXT record in dnsmasq) gets a
 * certificate Pebble issued (curl verifies it against Pebble's root) and reaches the instance; a
 * name the platform's {@code ask} endpoint refuses (an unknown subdomain, a stranger's domain, a
 * domain attached but not verified) gets no certificate at all: the handshake fails and Caddy's
 * storage holds none for it.
 */
@ParameterizedClass
@EnumSource(dev.picobase.testsupport.StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class HttpsWithCaddyOnDemandTlsTest extends PlatformPerStoreKind {
    private final int dnsPort = FreePorts.next();
    private Path dir;
    private Dnsmasq dns;
    private Pebble pebble;
    private CaddyFront caddy;

    @Override
    protected Map<String, String> settings() {
        return Map.of("PICOBASE_BASE_DOMAIN", "picobase.test", "PICOBASE_DNS_RESOLVER", "127.0.0.1:" + dnsPort,
                "PICOBASE_TRUSTED_PROXIES", "127.0.0.1", "PICOBASE_IDLE_TIMEOUT", "1h");
    }

    @BeforeParameterizedClassInvocation
    void startCaddyAndPebble() throws Exception {
        dir = Files.createTempDirectory("https");
        dns = new Dnsmasq(dnsPort, dir.resolve("dns"));
        pebble = Pebble.start(dir.resolve("pebble"));
        caddy = CaddyFront.start(dir.resolve("caddy"), api.port(), api.gatewayPort(), pebble);
    }

    @AfterParameterizedClassInvocation
    void stopThem() {
        for (AutoCloseable c : new AutoCloseable[] {caddy, pebble, dns}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the next one is stopped anyway
            }
        }
    }

    /** curl over HTTPS to {@code host} on Caddy's port (resolved to loopback), trusting Pebble's root only. */
    private Curl.Result https(String host, String key) {
        return Curl.run(dir, "curl", "-sS", "--max-time", "30", "--resolve", host + ":" + caddy.httpsPort() + ":127.0.0.1",
                "--cacert", pebble.issuingRoot().toString(), "-H", "apikey: " + key, "-w", "\n%{http_code}",
                "https://" + host + ":" + caddy.httpsPort() + "/api/health");
    }

    @Test
    void subdomainsAndVerifiedDomainsGetCertificatesAndOtherNamesDoNot() {
        ApiClient.SignedIn owner = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = owner.createInstanceWithKey();
        String sub = tenant.subdomain() + ".picobase.test";
        String custom = "shop-" + kind.name().toLowerCase() + ".example.test";
        String pending = "pending-" + kind.name().toLowerCase() + ".example.test";
        String base = "/api/instances/" + tenant.id() + "/domains";
        String token = owner.client().post(base, json("hostname", custom)).json().path("txt").path("value").asText();
        dns.serve("_picobase." + custom, token);
        assertThat(owner.client().post(base + "/" + custom + "/verify").json().path("status").asText())
                .isEqualTo("verified");
        assertThat(owner.client().post(base, json("hostname", pending)).status()).isEqualTo(201);

        Curl.Result viaSubdomain = https(sub, tenant.key());
        assertThat(viaSubdomain.exitCode()).as(viaSubdomain.output() + caddy.log()).isZero();
        assertThat(viaSubdomain.output()).contains("API is healthy.").endsWith("\n200");

        Curl.Result viaCustom = https(custom, tenant.key());
        assertThat(viaCustom.exitCode()).as(viaCustom.output()).isZero();
        assertThat(viaCustom.output()).contains("API is healthy.").endsWith("\n200");

        // The gateway still wants the key behind TLS.
        Curl.Result noKey = https(custom, "pb_wrong");
        assertThat(noKey.exitCode()).isZero();
        assertThat(noKey.output()).endsWith("\n401");

        for (String refused : new String[] {"nosuch-" + tenant.subdomain() + ".picobase.test", pending,
                "stranger.example.test"}) {
            Curl.Result r = https(refused, tenant.key());
            assertThat(r.exitCode()).as(refused + ": " + r.output()).isEqualTo(35); // TLS handshake refused
        }
        assertThat(caddy.certificateNames()).contains(sub, custom)
                .doesNotContain(pending, "stranger.example.test", "nosuch-" + tenant.subdomain() + ".picobase.test");
    }
}
