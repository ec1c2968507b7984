package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.model.Lease;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deploy (with a deploy token) and a secret sent to the node that does not run the instance act on
 * the node that does: it restarts there on the new code and the new value, and the other node's
 * gateway serves the result. Every node shares PICOBASE_SECRETS_KEY, as the README asks.
 */
@Timeout(180)
class DeploysThroughAnyNodeActOnTheOwnerTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @TempDir
    Path dir;

    private TwoNodes nodes;
    private RunningApi a;
    private RunningApi b;

    @BeforeEach
    void startNodes() {
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_CLUSTER_SECRET", SECRET, "PICOBASE_SECRETS_KEY", KEY));
        a = nodes.a;
        b = nodes.b;
    }

    @AfterEach
    void stopNodes() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void codeAndSecretsSentToTheOtherNodeReachTheOwnersProcess() {
        ApiClient.SignedIn user = a.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String base = "/api/instances/" + tenant.id();
        String hook = "routerAdd(\"GET\", \"/secret\", (c) => c.string(200, \"v1 \" + $os.getenv(\"GREETING\")))\n";
        assertThat(user.client().send("PUT", base + "/files/pb_hooks/main.pb.js",
                HttpRequest.BodyPublishers.ofString(hook)).status()).isEqualTo(200);
        TenantGateway throughA = TwoNodes.through(a, tenant);
        assertThat(throughA.send("GET", "/secret", null, Duration.ofSeconds(60)).text()).isEqualTo("v1 ");
        assertThat(owner(tenant.id())).isEqualTo("node-a");

        ApiClient onB = b.client().withToken(user.token());
        ApiClient.Reply env = onB.send("PUT", base + "/env", HttpRequest.BodyPublishers.ofString(
                ApiClient.json("vars", Map.of("GREETING", "hola"))));
        assertThat(env.status()).as(env.text()).isEqualTo(200);
        assertThat(env.headers().firstValue("X-PicoBase-Node")).contains("node-a");
        String token = user.client().post(base + "/deploy-tokens", ApiClient.json("name", "ci")).json()
                .path("token").asText();
        ApiClient.Reply deployed = b.client().withToken(token).send("PUT", base + "/files/pb_hooks/main.pb.js",
                HttpRequest.BodyPublishers.ofString(hook.replace("v1", "v2")));
        assertThat(deployed.status()).as(deployed.text()).isEqualTo(200);
        assertThat(deployed.headers().firstValue("X-PicoBase-Node")).contains("node-a");
        assertThat(deployed.json().path("instance").path("status").asText()).isEqualTo("running");
        assertThat(owner(tenant.id())).isEqualTo("node-a");

        assertThat(TwoNodes.through(b, tenant).send("GET", "/secret", null, Duration.ofSeconds(60)).text())
                .isEqualTo("v2 hola");
        assertThat(dir.resolve("b/instances").resolve(tenant.id())).as("b never had a copy").doesNotExist();
    }

    private String owner(String id) {
        return a.store().leaseOf(id).filter(Lease::live).map(Lease::nodeId).orElse("nobody");
    }
}
