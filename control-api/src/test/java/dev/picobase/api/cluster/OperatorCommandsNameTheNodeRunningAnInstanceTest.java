package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.PicobaseScript;
import dev.picobase.api.testsupport.PicobaseScript.Outcome;
import dev.picobase.api.testsupport.RunningApi;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a cluster, {@code ./picobase status}, {@code instances} and {@code logs} on one node say what
 * the cluster looks like from there: the node answering and every node with its live leases; each
 * instance with the node running it; and for an instance another node runs, that its log is there
 * (a node keeps the PocketBase output of the runs it hosted, nothing is forwarded), while the owner's
 * own {@code logs} prints the lines PocketBase printed.
 *
 * <p>What could go wrong: a node reporting itself as a single node; the instance listing naming no
 * node, or the node of an expired lease; {@code logs} on a node that never ran the instance printing
 * nothing and saying nothing. Two real platforms on one sqld and one S3Proxy bucket ({@link TwoNodes});
 * the database is shared with other tests, so only this test's instance is looked at.
 */
@Timeout(180)
class OperatorCommandsNameTheNodeRunningAnInstanceTest {
    @TempDir
    Path dir;

    @Test
    void eachNodeTellsWhichNodeRunsTheInstanceAndTheOwnerHasItsLog() {
        try (TwoNodes nodes = TwoNodes.start(dir, Map.of())) {
            ApiClient.SignedIn user = nodes.a.client().signUpAndSignIn();
            ApiClient.Tenant tenant = user.createInstanceWithKey();
            assertThat(TwoNodes.through(nodes.a, tenant).send("GET", "/api/health", null).status()).isEqualTo(200);
            int port = nodes.a.platform().lifecycle().running(tenant.id()).orElseThrow().port();
            PicobaseScript onA = script(nodes.a, "a");
            PicobaseScript onB = script(nodes.b, "b");

            Outcome status = onB.run("status");
            assertThat(status.exitCode()).as(status.toString()).isZero();
            // Other tests' nodes may be registered in the shared database too: these two are.
            assertThat(status.stdout()).containsPattern("\nnode:       node-b, one of \\d+ nodes\n");
            assertThat(cells(status, "  node-a ")).containsExactly("node-a", "127.0.0.1:" + nodes.a.gatewayPort(), "1",
                    cells(status, "  node-a ").get(3));
            assertThat(cells(status, "  node-b ").get(2)).as("instances node-b holds").isEqualTo("0");

            Outcome instances = onB.run("instances");
            assertThat(instances.exitCode()).as(instances.toString()).isZero();
            assertThat(instances.stdout().lines().findFirst().orElseThrow().split(" {2,}"))
                    .containsExactly("SUBDOMAIN", "OWNER", "STATUS", "LAST ACTIVITY", "SNAPSHOT", "NODE");
            List<String> row = cells(instances, tenant.subdomain() + " ");
            assertThat(List.of(row.get(0), row.get(1), row.get(2), row.get(5)))
                    .containsExactly(tenant.subdomain(), user.email(), "running", "node-a");

            Outcome elsewhere = onB.run("logs", tenant.subdomain());
            assertThat(elsewhere.exitCode()).as(elsewhere.toString()).isZero();
            assertThat(elsewhere.stdout()).doesNotContain("Server started at");
            assertThat(elsewhere.stderr().lines().toList()).singleElement().asString()
                    .startsWith("picobase: " + tenant.subdomain() + " runs on node node-a; ");

            Outcome here = onA.run("logs", tenant.subdomain());
            assertThat(here.exitCode()).as(here.toString()).isZero();
            assertThat(here.stdout()).contains("Server started at http://127.0.0.1:" + port + "\n");
            assertThat(here.stderr()).isEmpty();
        }
    }

    private PicobaseScript script(RunningApi node, String name) {
        return PicobaseScript.in(dir.resolve("script-" + name)).with("PICOBASE_MANAGEMENT_BIND_ADDRESS", "127.0.0.1")
                .with("PICOBASE_MANAGEMENT_PORT", Integer.toString(node.managementPort()));
    }

    /** The cells of the first line starting with {@code start} (columns two or more spaces apart). */
    private static List<String> cells(Outcome outcome, String start) {
        return outcome.stdout().lines().filter(l -> l.startsWith(start)).findFirst()
                .map(l -> List.of(l.strip().split(" {2,}")))
                .orElseThrow(() -> new AssertionError("no line starting '" + start + "' in:\n" + outcome.stdout()));
    }
}
