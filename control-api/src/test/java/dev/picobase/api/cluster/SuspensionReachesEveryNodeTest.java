package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.core.model.Lease;
import dev.picobase.testsupport.Deadline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator suspends an account through one node while its instance runs on the other. What could
 * go wrong: the stop acted on the node that took the call (which does not run the instance), the other
 * node's gateway kept accepting the account's key from its cached verdict (and woke the instance again),
 * or, after the reactivation, it kept refusing the key (it remembers revoked keys for minutes). The
 * stop is sent to the owner; the other node reads the suspension's trigger-written change and forgets
 * the key's verdicts, then takes it back on reactivation.
 */
@Timeout(180)
class SuspensionReachesEveryNodeTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";
    private static final String OPERATOR = "operator-" + Unique.subdomain() + "@example.com";
    private static final String PASSWORD = "correct horse battery";

    @TempDir
    Path dir;

    private TwoNodes nodes;
    private RunningApi a;
    private RunningApi b;

    @BeforeEach
    void startNodes() {
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_CLUSTER_SECRET", SECRET, "PICOBASE_OPERATOR_EMAILS", OPERATOR));
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
    void aSuspensionThroughOneNodeStopsTheInstanceOnItsOwnerAndEveryGatewayRefusesItsKey() {
        ApiClient ops = b.client().signUpAndSignIn(OPERATOR, PASSWORD).client();
        ApiClient.SignedIn user = a.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway throughA = TwoNodes.through(a, tenant);
        TenantGateway throughB = TwoNodes.through(b, tenant);
        assertThat(throughA.send("GET", "/api/health", null).status()).isEqualTo(200); // a takes the lease
        assertThat(throughB.send("GET", "/api/health", null).status()).as("b's verdict cached").isEqualTo(200);
        assertThat(a.store().leaseOf(tenant.id()).filter(Lease::live).map(Lease::nodeId)).contains("node-a");

        ApiClient.Reply suspended = ops.post("/api/admin/accounts/" + user.userId() + "/suspend");
        assertThat(suspended.status()).as(suspended.text()).isEqualTo(200);
        assertThat(suspended.json().path("stopped").toString()).contains(tenant.id());
        assertThat(a.platform().lifecycle().running(tenant.id())).as("stopped where it ran").isEmpty();

        assertThat(throughB.send("GET", "/api/health", null).status()).as("refused at once here").isEqualTo(401);
        // Node a learns within a poll of the cluster's changes; asked through its key check, not with
        // requests, which could wake the instance there during that window (the documented delay).
        Deadline.await("node a refuses the key", Duration.ofSeconds(5), () -> !a.gatewayAccepts(tenant.key()));
        assertThat(throughA.send("GET", "/api/health", null).status()).isEqualTo(401);
        assertThat(a.platform().lifecycle().running(tenant.id())).isEmpty();
        assertThat(b.platform().lifecycle().running(tenant.id())).isEmpty();
        assertThat(a.store().findInstance(tenant.id()).orElseThrow().status().wireName()).isEqualTo("stopped");

        ApiClient.Reply reactivated = ops.post("/api/admin/accounts/" + user.userId() + "/reactivate");
        assertThat(reactivated.status()).as(reactivated.text()).isEqualTo(200);
        assertThat(throughB.send("GET", "/api/health", null).status()).isEqualTo(200);
        Deadline.await("node a takes the key back", Duration.ofSeconds(5),
                () -> throughA.send("GET", "/api/health", null).status() == 200);
    }
}
