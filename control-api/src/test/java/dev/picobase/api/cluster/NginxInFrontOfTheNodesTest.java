package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Balancer;
import dev.picobase.testsupport.RawHttp;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load balancer the README ships ({@code config/nginx-cluster.conf}), run by Debian's real nginx in
 * front of two real nodes: with its {@code hash $host consistent}, every request of a subdomain lands on
 * one node, which takes the lease on the first request, so nothing is forwarded; with the hash line
 * removed (round-robin), requests land on both nodes and those on the node without the lease go one hop
 * to the owner. Both answer every request, and one PocketBase runs.
 */
@Timeout(120)
class NginxInFrontOfTheNodesTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";
    private static final int REQUESTS = 20;

    @TempDir
    Path dir;

    private TwoNodes nodes;
    private RunningApi a;
    private RunningApi b;
    private Balancer nginx;
    private int port;

    @BeforeEach
    void startNodes() {
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_CLUSTER_SECRET", SECRET));
        a = nodes.a;
        b = nodes.b;
    }

    @AfterEach
    void stopAll() {
        if (nginx != null) {
            nginx.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void theShippedHashConfigServesEachSubdomainFromOneNodeWithoutHops() {
        startNginx(true);
        ApiClient.Tenant tenant = a.client().signUpAndSignIn().createInstanceWithKey();

        for (int i = 0; i < REQUESTS; i++) {
            RawHttp.Response r = get(tenant, "/api/health");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
        }

        assertThat(forwarded(a) + forwarded(b)).as("no request needed a hop").isZero();
        assertThat(running(tenant)).isEqualTo(1);
    }

    @Test
    void roundRobinReachesBothNodesAndTheOtherForwardsToTheOwner() {
        startNginx(false);
        ApiClient.Tenant tenant = a.client().signUpAndSignIn().createInstanceWithKey();

        for (int i = 0; i < REQUESTS; i++) {
            RawHttp.Response r = get(tenant, "/api/health");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
        }

        assertThat(forwarded(a) + forwarded(b)).as("about half went one hop").isBetween(1.0, (double) REQUESTS);
        assertThat(running(tenant)).isEqualTo(1);
    }

    private void startNginx(boolean shippedHash) {
        nginx = Balancer.start(dir.resolve("nginx"), List.of(a.gatewayPort(), b.gatewayPort()), shippedHash);
        port = nginx.port();
    }

    private RawHttp.Response get(ApiClient.Tenant tenant, String path) {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET " + path + " HTTP/1.1\r\nHost: " + tenant.subdomain() + ".localhost\r\napikey: "
                    + tenant.key() + "\r\nConnection: close\r\n\r\n");
            return http.readResponse();
        }
    }

    private static double forwarded(RunningApi node) {
        return node.scrapeMetrics().sum("picobase_forwarded_requests_total");
    }

    private int running(ApiClient.Tenant tenant) {
        return (a.platform().lifecycle().running(tenant.id()).isPresent() ? 1 : 0)
                + (b.platform().lifecycle().running(tenant.id()).isPresent() ? 1 : 0);
    }
}
