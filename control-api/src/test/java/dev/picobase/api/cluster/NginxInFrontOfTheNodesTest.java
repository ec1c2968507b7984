package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.RawHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    private Process nginx;
    private int port;

    @BeforeEach
    void startNodes() {
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_CLUSTER_SECRET", SECRET));
        a = nodes.a;
        b = nodes.b;
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void theShippedHashConfigServesEachSubdomainFromOneNodeWithoutHops() throws Exception {
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
    void roundRobinReachesBothNodesAndTheOtherForwardsToTheOwner() throws Exception {
        startNginx(false);
        ApiClient.Tenant tenant = a.client().signUpAndSignIn().createInstanceWithKey();

        for (int i = 0; i < REQUESTS; i++) {
            RawHttp.Response r = get(tenant, "/api/health");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
        }

        assertThat(forwarded(a) + forwarded(b)).as("about half went one hop").isBetween(1.0, (double) REQUESTS);
        assertThat(running(tenant)).isEqualTo(1);
    }

    /** The shipped file with only the node addresses, the listen port and paths replaced. */
    private void startNginx(boolean shippedHash) throws IOException {
        String conf = Files.readString(shippedConfig());
        port = FreePorts.next();
        String servers = "server 127.0.0.1:" + a.gatewayPort() + " max_fails=1 fail_timeout=5s;\n"
                + "    server 127.0.0.1:" + b.gatewayPort() + " max_fails=1 fail_timeout=5s;";
        conf = conf.replaceFirst("(?s)server 10\\.0\\.0\\.1:8080[^;]*;.*?server 10\\.0\\.0\\.3:8080[^;]*;", servers)
                .replace("listen 80;", "listen 127.0.0.1:" + port + ";")
                .replace("worker_processes auto;", "worker_processes 1;\npid " + dir.resolve("nginx.pid")
                        + ";\nerror_log " + dir.resolve("nginx-error.log") + ";")
                .replace("server_name .example.com;", "server_name .localhost;")
                .replace("http {", "http {\n  access_log off;");
        if (!shippedHash) {
            conf = conf.replace("hash $host consistent;", "");
        }
        assertThat(conf).contains(String.valueOf(a.gatewayPort())).contains(String.valueOf(b.gatewayPort()));
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        nginx = new ProcessBuilder("nginx", "-g", "daemon off;", "-c", file.toString(), "-p", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        Deadline.await("nginx to listen", Duration.ofSeconds(10), () -> {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static Path shippedConfig() {
        Path here = Path.of("").toAbsolutePath();
        Path file = here.resolve("config/nginx-cluster.conf");
        return Files.exists(file) ? file : here.getParent().resolve("config/nginx-cluster.conf");
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
