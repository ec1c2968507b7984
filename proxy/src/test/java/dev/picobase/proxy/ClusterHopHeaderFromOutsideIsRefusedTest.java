package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: before requests were forwarded between nodes, the gateway knew nothing of the
 * cluster hop header and passed whatever a client put in it on to PocketBase. Now a node believes a
 * forwarded request (no key check, the client address the forwarding node names) only with the
 * right {@code PICOBASE_CLUSTER_SECRET}: a wrong secret, a doubled header, or any hop header on a
 * node without a secret is answered 403 {@code cluster_hop_refused} and never reaches PocketBase,
 * and a valid hop's headers are removed before it does.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterHopHeaderFromOutsideIsRefusedTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef01234567";

    @RegisterExtension
    static final GatewayFixture noSecret = GatewayFixture.create();

    @RegisterExtension
    static final GatewayFixture withSecret = GatewayFixture.create().clusterSecret(SECRET);

    @Test
    void aHopHeaderOnANodeWithoutASecretIsRefused() {
        HttpResponse<String> r = noSecret.send(noSecret.appRequest("/echo")
                .header(ClusterHop.HEADER, SECRET).build());

        assertRefused(r);
        assertThat(noSecret.backend().received()).as("nothing reached PocketBase").isEmpty();
    }

    @Test
    void aWrongSecretIsRefusedEvenWithAValidKey() {
        HttpResponse<String> r = withSecret.send(withSecret.appRequest("/echo")
                .header(ClusterHop.HEADER, SECRET.substring(1) + "x").build());

        assertRefused(r);
        assertThat(withSecret.backend().received()).isEmpty();
    }

    @Test
    void aSecondHopHeaderBesideTheRightOneIsRefused() {
        HttpResponse<String> r = withSecret.send(withSecret.request(withSecret.appHost(), "/echo")
                .header(ClusterHop.HEADER, SECRET).header(ClusterHop.HEADER, "guess").build());

        assertRefused(r);
        assertThat(withSecret.backend().received()).isEmpty();
    }

    @Test
    void aValidHopNeedsNoKeyAndItsHeadersNeverReachPocketBase() {
        HttpResponse<String> r = withSecret.send(withSecret.request(withSecret.appHost(), "/echo")
                .header(ClusterHop.HEADER, SECRET)
                .header(ClusterHop.KEY_ID_HEADER, "k_from_node_b")
                .header("X-Real-IP", "203.0.113.7")
                .header("X-Forwarded-For", "203.0.113.7").build());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        TestBackend.Received got = withSecret.backend().lastReceived();
        assertThat(got.header("x-picobase-cluster-hop")).isNull();
        assertThat(got.header("x-picobase-cluster-key-id")).isNull();
        assertThat(r.body()).doesNotContain(SECRET);
        // The forwarding node named the client; PocketBase sees it, then the forwarding node.
        assertThat(got.header("x-real-ip")).isEqualTo("203.0.113.7");
        assertThat(got.header("x-forwarded-for")).isEqualTo("203.0.113.7, 127.0.0.1");
    }

    @Test
    void theKeyIdHeaderAloneIsIgnoredAndRemoved() {
        HttpResponse<String> r = withSecret.send(withSecret.appRequest("/echo")
                .header(ClusterHop.KEY_ID_HEADER, "k_forged").build());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(withSecret.backend().lastReceived().header("x-picobase-cluster-key-id")).isNull();
    }

    @Test
    void withoutAValidHopTheKeyIsStillRequired() {
        HttpResponse<String> r = withSecret.send(withSecret.request(withSecret.appHost(), "/echo").build());

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(withSecret.backend().received()).isEmpty();
    }

    private static void assertRefused(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isEqualTo("cluster_hop_refused");
        assertThat(r.body()).doesNotContain(SECRET);
    }
}
