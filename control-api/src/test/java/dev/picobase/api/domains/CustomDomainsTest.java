package dev.picobase.api.domains;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Dnsmasq;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.RawHttp;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Custom domains end to end, on each metadata back end: an owner attaches a hostname, creates the
 * TXT record shown (in a real dnsmasq the platform resolves through, {@code PICOBASE_DNS_RESOLVER}),
 * verifies it, and the name then routes through the gateway to the instance exactly as its subdomain
 * does (key required); the on-demand TLS {@code ask} check says yes to it and to subdomains only;
 * the record removed, the periodic re-check ({@code PICOBASE_DOMAIN_RECHECK_INTERVAL}, 1 s here)
 * fails it and it stops routing. A hostname belongs to one instance, another user's instance answers
 * 404, and names that are not domains (IPs, the base domain's own names) are refused.
 */
@ParameterizedClass
@EnumSource(dev.picobase.testsupport.StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class CustomDomainsTest extends PlatformPerStoreKind {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private final int dnsPort = FreePorts.next();
    private Dnsmasq dns;

    @Override
    protected Map<String, String> settings() {
        return Map.of("PICOBASE_DNS_RESOLVER", "127.0.0.1:" + dnsPort, "PICOBASE_DOMAIN_RECHECK_INTERVAL", "1s",
                "PICOBASE_IDLE_TIMEOUT", "1h");
    }

    private Dnsmasq dns() throws Exception {
        if (dns == null) {
            dns = new Dnsmasq(dnsPort, Files.createTempDirectory("dnsmasq"));
        }
        return dns;
    }

    @AfterAll
    void stopDns() {
        if (dns != null) {
            dns.close();
        }
    }

    private static String uniqueHost() {
        return "app" + NAMES.incrementAndGet() + "-" + System.nanoTime() % 100_000 + ".example.test";
    }

    private RawHttp.Response viaGateway(String host, String key) {
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            http.send("GET /api/health HTTP/1.1\r\nHost: " + host + "\r\n" + (key == null ? "" : "apikey: " + key + "\r\n")
                    + "Connection: close\r\n\r\n");
            return http.readResponse();
        }
    }

    private int ask(String domain) {
        return api.client().get("/api/domains/check?domain=" + domain).status();
    }

    @Test
    void aVerifiedDomainRoutesLikeItsSubdomainUntilItsRecordGoes() throws Exception {
        ApiClient.SignedIn owner = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = owner.createInstanceWithKey();
        String host = uniqueHost();
        String base = "/api/instances/" + tenant.id() + "/domains";

        ApiClient.Reply added = owner.client().post(base, json("hostname", host.toUpperCase() + "."));
        assertThat(added.status()).as(added.text()).isEqualTo(201);
        assertThat(added.json().path("hostname").asText()).isEqualTo(host);
        assertThat(added.json().path("status").asText()).isEqualTo("pending");
        assertThat(added.json().path("txt").path("name").asText()).isEqualTo("_picobase." + host);
        String token = added.json().path("txt").path("value").asText();
        assertThat(token).startsWith("picobase-verify=");
        assertThat(added.json().path("cname").path("target").asText()).isEqualTo(tenant.subdomain() + ".localhost");

        // Pending: neither routed nor given a certificate.
        assertThat(viaGateway(host, tenant.key()).status()).isEqualTo(404);
        assertThat(ask(host)).isEqualTo(404);

        // Verified before the record exists: still pending, and why.
        dns().serve("_picobase.unrelated.test", "x");
        ApiClient.Reply early = owner.client().post(base + "/" + host + "/verify");
        assertThat(early.status()).as(early.text()).isEqualTo(200);
        assertThat(early.json().path("status").asText()).isEqualTo("pending");
        assertThat(early.json().path("checkError").asText()).isEqualTo("no TXT record at _picobase." + host);

        dns().serve("_picobase." + host, token);
        ApiClient.Reply verified = owner.client().post(base + "/" + host + "/verify");
        assertThat(verified.status()).as(verified.text()).isEqualTo(200);
        assertThat(verified.json().path("status").asText()).isEqualTo("verified");
        assertThat(verified.json().path("verifiedAt").isNull()).isFalse();

        // Routes like the subdomain: the key is required, and the instance answers (woken on demand).
        RawHttp.Response noKey = viaGateway(host, null);
        assertThat(noKey.status()).isEqualTo(401);
        RawHttp.Response reached = viaGateway(host, tenant.key());
        assertThat(reached.status()).as(reached.text()).isEqualTo(200);
        assertThat(reached.json().path("message").asText()).isEqualTo("API is healthy.");
        assertThat(ask(host)).isEqualTo(200);
        assertThat(ask(tenant.subdomain() + ".localhost")).isEqualTo(200);
        assertThat(ask("nosuch" + tenant.subdomain() + ".localhost")).isEqualTo(404);
        assertThat(ask("other.example.test")).isEqualTo(404);
        assertThat(api.client().get("/api/domains/check").status()).isEqualTo(400);

        // The record removed: the re-check fails the domain, which stops routing, and says so.
        dns().remove("_picobase." + host);
        Deadline.await("the re-check fails " + host, Duration.ofSeconds(30), () ->
                domain(owner, tenant.id(), host).path("status").asText().equals("failed"));
        JsonNode failed = domain(owner, tenant.id(), host);
        assertThat(failed.path("checkError").asText()).isEqualTo("no TXT record at _picobase." + host);
        assertThat(viaGateway(host, tenant.key()).status()).isEqualTo(404);
        assertThat(ask(host)).isEqualTo(404);

        // Back again: verified by the next re-check of its own.
        dns().serve("_picobase." + host, token);
        Deadline.await("the re-check verifies " + host + " again", Duration.ofSeconds(30), () ->
                domain(owner, tenant.id(), host).path("status").asText().equals("verified"));
        assertThat(viaGateway(host, tenant.key()).status()).isEqualTo(200);
    }

    private static JsonNode domain(ApiClient.SignedIn owner, String instanceId, String host) {
        for (JsonNode d : owner.client().get("/api/instances/" + instanceId + "/domains").json().path("domains")) {
            if (d.path("hostname").asText().equals(host)) {
                return d;
            }
        }
        throw new AssertionError(host + " is not listed");
    }

    @Test
    void aRemovedDomainStopsRoutingAtOnce() throws Exception {
        ApiClient.SignedIn owner = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = owner.createInstanceWithKey();
        String host = uniqueHost();
        String base = "/api/instances/" + tenant.id() + "/domains";
        String token = owner.client().post(base, json("hostname", host)).json().path("txt").path("value").asText();
        dns().serve("_picobase." + host, token);
        assertThat(owner.client().post(base + "/" + host + "/verify").json().path("status").asText())
                .isEqualTo("verified");
        assertThat(viaGateway(host, tenant.key()).status()).isEqualTo(200);

        assertThat(owner.client().delete(base + "/" + host).status()).isEqualTo(204);
        assertThat(viaGateway(host, tenant.key()).status()).isEqualTo(404);
        assertThat(ask(host)).isEqualTo(404);
        assertThat(owner.client().get(base).json().path("domains").size()).isZero();
        assertThat(owner.client().delete(base + "/" + host).status()).isEqualTo(404);
    }

    @Test
    void aHostnameBelongsToOneInstanceAndOthersSeeNothing() {
        ApiClient.SignedIn owner = api.client().signUpAndSignIn();
        String first = owner.createInstance().path("id").asText();
        String second = owner.createInstance().path("id").asText();
        String host = uniqueHost();
        assertThat(owner.client().post("/api/instances/" + first + "/domains", json("hostname", host)).status())
                .isEqualTo(201);
        ApiClient.Reply again = owner.client().post("/api/instances/" + second + "/domains", json("hostname", host));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("domain_taken");

        ApiClient.SignedIn stranger = api.client().signUpAndSignIn();
        String domains = "/api/instances/" + first + "/domains";
        assertThat(stranger.client().get(domains).status()).isEqualTo(404);
        assertThat(stranger.client().post(domains, json("hostname", uniqueHost())).status()).isEqualTo(404);
        assertThat(stranger.client().post(domains + "/" + host + "/verify").status()).isEqualTo(404);
        assertThat(stranger.client().delete(domains + "/" + host).status()).isEqualTo(404);
        // The owner's other instance does not have it either.
        assertThat(owner.client().delete("/api/instances/" + second + "/domains/" + host).status()).isEqualTo(404);
        assertThat(owner.client().get(domains).json().path("domains").size()).isEqualTo(1);
    }

    @Test
    void namesThatAreNotCustomDomainsAreRefused() {
        ApiClient.SignedIn owner = api.client().signUpAndSignIn();
        String domains = "/api/instances/" + owner.createInstance().path("id").asText() + "/domains";
        for (String bad : new String[] {"", "localhost", "10.0.0.1", "[::1]", "app.localhost", "x.app.localhost",
                "https://app.example.com", "app.example.com:443", "-bad.example.com", "a..example.com",
                "a".repeat(64) + ".example.com", ("abcdefghi.".repeat(25)) + "com"}) {
            ApiClient.Reply refused = owner.client().post(domains, json("hostname", bad));
            assertThat(refused.status()).as(bad + ": " + refused.text()).isEqualTo(400);
            assertThat(refused.json().path("error").path("field").asText()).as(bad).isEqualTo("hostname");
        }
        // An internationalised name is kept in its ASCII form.
        ApiClient.Reply idn = owner.client().post(domains, json("hostname", "bücher" + NAMES.incrementAndGet()
                + ".example.test"));
        assertThat(idn.status()).as(idn.text()).isEqualTo(201);
        assertThat(idn.json().path("hostname").asText()).startsWith("xn--bcher");
    }
}
