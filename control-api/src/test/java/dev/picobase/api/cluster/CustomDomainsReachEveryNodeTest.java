package dev.picobase.api.cluster;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Dnsmasq;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.RawHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A custom domain verified, failed or removed through one node changes what the other node's gateway
 * routes. What could go wrong: node b keeps a verified domain's route in memory (such routes do not
 * expire), so without the change reaching it, a domain failed or removed through node a would go on
 * routing through b for as long as b runs. The re-check interval is left at its hour, so only the
 * cluster's log of changes (written by migration 13's triggers) can tell b.
 */
@Timeout(180)
class CustomDomainsReachEveryNodeTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path dir;

    private final int dnsPort = FreePorts.next();
    private TwoNodes nodes;
    private Dnsmasq dns;

    @BeforeEach
    void start() {
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_CLUSTER_SECRET", SECRET,
                "PICOBASE_DNS_RESOLVER", "127.0.0.1:" + dnsPort));
        dns = new Dnsmasq(dnsPort, dir.resolve("dns"));
    }

    @AfterEach
    void stop() {
        if (dns != null) {
            dns.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    private static int status(RunningApi node, String host, String key) {
        try (RawHttp http = RawHttp.connect(node.gatewayPort())) {
            http.send("GET /api/health HTTP/1.1\r\nHost: " + host + "\r\napikey: " + key + "\r\nConnection: close\r\n\r\n");
            return http.readResponse().status();
        }
    }

    @Test
    void aDomainFailedOrRemovedThroughOneNodeStopsRoutingOnTheOther() {
        ApiClient.SignedIn owner = nodes.a.client().signUpAndSignIn();
        ApiClient.Tenant tenant = owner.createInstanceWithKey();
        String base = "/api/instances/" + tenant.id() + "/domains";
        String host = "shop.example.test";
        String token = owner.client().post(base, json("hostname", host)).json().path("txt").path("value").asText();
        dns.serve("_picobase." + host, token);
        assertThat(owner.client().post(base + "/" + host + "/verify").json().path("status").asText())
                .isEqualTo("verified");
        // b may have heard of the name before (its negative answers last 2 s): it routes within that.
        Deadline.await("node b routes " + host, Duration.ofSeconds(10), () -> status(nodes.b, host, tenant.key()) == 200);
        assertThat(status(nodes.a, host, tenant.key())).isEqualTo(200);

        // The record goes and a's check fails the domain: b forgets the route it holds.
        dns.remove("_picobase." + host);
        assertThat(owner.client().post(base + "/" + host + "/verify").json().path("status").asText())
                .isEqualTo("failed");
        assertThat(status(nodes.a, host, tenant.key())).isEqualTo(404);
        Deadline.await("node b stops routing the failed " + host, Duration.ofSeconds(5),
                () -> status(nodes.b, host, tenant.key()) == 404);

        // Verified again, then removed through a: b stops routing it too.
        dns.serve("_picobase." + host, token);
        assertThat(owner.client().post(base + "/" + host + "/verify").json().path("status").asText())
                .isEqualTo("verified");
        Deadline.await("node b routes " + host + " again", Duration.ofSeconds(5),
                () -> status(nodes.b, host, tenant.key()) == 200);
        assertThat(owner.client().delete(base + "/" + host).status()).isEqualTo(204);
        assertThat(status(nodes.a, host, tenant.key())).isEqualTo(404);
        Deadline.await("node b stops routing the removed " + host, Duration.ofSeconds(5),
                () -> status(nodes.b, host, tenant.key()) == 404);
        assertThat(nodes.b.client().get("/api/domains/check?domain=" + host).status()).isEqualTo(404);
    }
}
