package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: with several nodes behind one load balancer, a request that reached a node other
 * than the one holding its instance's lease was answered 503 {@code instance_elsewhere}, so a
 * client failed on every other request. With {@code PICOBASE_CLUSTER_SECRET} set, that node now
 * checks the key and sends the request one hop to the owner's gateway: requests with bodies, and
 * the realtime stream, work through either node, while PocketBase runs on the owner alone. A client
 * cannot pose as a node, and once the owner is gone the next request takes the instance over.
 *
 * <p>Two real platforms in this JVM on one real sqld and one S3Proxy bucket, with real PocketBase.
 * (Without a secret the 503 stays: {@link TwoNodesRunEachInstanceOnOneNodeTest}. A hop that would
 * be forwarded again is refused at the gateway: {@code RequestForAnotherNodesInstanceGoesOneHopTest}.)
 */
@Timeout(180)
class AnyNodeServesAnInstanceThroughItsOwnerTest {
    private static final String SECRET = "cluster-secret-0123456789-0123456789-abc"; // 40 characters
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";

    @TempDir
    Path dir;

    private TwoNodes nodes;
    private RunningApi a;
    private RunningApi b;
    private ApiClient.SignedIn user;
    private String token;

    @BeforeEach
    void startTwoNodes() {
        nodes = TwoNodes.start(dir, Map.of("PICOBASE_LEASE_TTL", "3s", "PICOBASE_LEASE_RENEW_INTERVAL", "500ms",
                "PICOBASE_CLUSTER_SECRET", SECRET));
        a = nodes.a;
        b = nodes.b;
        user = a.client().signUpAndSignIn();
    }

    @AfterEach
    void stopNodes() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void requestsWithBodiesThroughTheOtherNodeReachTheOwnersPocketBase() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(send(a, tenant, "GET", "/api/health", null).status()).isEqualTo(200); // a takes the lease

        // Everything below through b: an admin, a sign-in, a collection, a record (POSTs with JSON bodies).
        RawHttp.Response admin = send(b, tenant, "POST", "/api/admins", ApiClient.json("email", ADMIN,
                "password", PASSWORD, "passwordConfirm", PASSWORD));
        assertThat(admin.status()).as(admin.text()).isEqualTo(200);
        RawHttp.Response signIn = send(b, tenant, "POST", "/api/admins/auth-with-password",
                ApiClient.json("identity", ADMIN, "password", PASSWORD));
        assertThat(signIn.status()).as(signIn.text()).isEqualTo(200);
        token = signIn.json().path("token").asText();
        RawHttp.Response collection = send(b, tenant, "POST", "/api/collections", """
                {"name": "notes", "type": "base", "schema": [{"name": "text", "type": "text", "required": true}]}
                """);
        assertThat(collection.status()).as(collection.text()).isEqualTo(200);
        RawHttp.Response write = send(b, tenant, "POST", "/api/collections/notes/records",
                ApiClient.json("text", "written through node b"));
        assertThat(write.status()).as(write.text()).isEqualTo(200);

        assertThat(notes(a, tenant)).containsExactly("written through node b");
        assertThat(notes(b, tenant)).containsExactly("written through node b");
        assertThat(a.platform().lifecycle().running(tenant.id())).isPresent();
        assertThat(b.platform().lifecycle().running(tenant.id())).as("one PocketBase, on the owner").isEmpty();
        assertThat(a.store().leaseOf(tenant.id()).orElseThrow().nodeId()).isEqualTo("node-a");
        assertThat(b.scrapeMetrics().sum("picobase_forwarded_requests_total")).as("five requests through b").isEqualTo(5.0);
        assertThat(a.scrapeMetrics().sum("picobase_forwarded_requests_total")).isZero();
        assertThat(b.scrapeMetrics().sum("picobase_forwarded_request_duration_seconds_count"))
                .as("each hop's latency as b's client saw it").isEqualTo(5.0);
    }

    @Test
    void theRealtimeStreamThroughTheOtherNodeReceivesPocketBasesConnectEvent() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(send(a, tenant, "GET", "/api/health", null).status()).isEqualTo(200);

        try (RawHttp stream = RawHttp.connect(b.gatewayPort())) {
            stream.readTimeout(Duration.ofSeconds(10));
            stream.send("GET /api/realtime?apikey=" + tenant.key() + " HTTP/1.1\r\nHost: " + tenant.subdomain()
                    + ".localhost:" + b.gatewayPort() + "\r\nAccept: text/event-stream\r\n\r\n");
            RawHttp.Response head = stream.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Type")).startsWith("text/event-stream");
            assertThat(readUntil(stream, "PB_CONNECT")).contains("PB_CONNECT").contains("clientId");
        }
        assertThat(b.platform().lifecycle().running(tenant.id())).isEmpty();
    }

    @Test
    void aClientPosingAsANodeIsRefusedOnEitherNode() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(send(a, tenant, "GET", "/api/health", null).status()).isEqualTo(200);

        for (RunningApi node : new RunningApi[] {a, b}) {
            try (RawHttp http = RawHttp.connect(node.gatewayPort())) {
                http.send("GET /api/health HTTP/1.1\r\nHost: " + tenant.subdomain() + ".localhost\r\n"
                        + "X-PicoBase-Cluster-Hop: " + SECRET.replace('c', 'k') + "\r\n\r\n");
                RawHttp.Response r = http.readResponse();
                assertThat(r.status()).as(r.text()).isEqualTo(403);
                assertThat(r.errorCode()).isEqualTo("cluster_hop_refused");
            }
        }
    }

    @Test
    void onceTheOwnerIsGoneTheOtherNodeTakesTheInstanceOver() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(send(b, tenant, "GET", "/api/health", null).status()).isEqualTo(200); // b runs it first
        assertThat(send(a, tenant, "GET", "/api/health", null).status()).as("forwarded to b").isEqualTo(200);
        assertThat(a.platform().lifecycle().running(tenant.id())).isEmpty();

        nodes.stop(b); // saves, gives the lease back, leaves the listing

        RawHttp.Response r = send(a, tenant, "GET", "/api/health", null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(a.platform().lifecycle().running(tenant.id())).isPresent();
        assertThat(a.store().leaseOf(tenant.id()).orElseThrow().nodeId()).isEqualTo("node-a");
    }

    private static String readUntil(RawHttp stream, String marker) {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[1024];
        try {
            while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
                int n = stream.input().read(buf);
                if (n < 0) {
                    break;
                }
                seen.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    private Set<String> notes(RunningApi node, ApiClient.Tenant tenant) {
        RawHttp.Response list = send(node, tenant, "GET", "/api/collections/notes/records?perPage=500&fields=text", null);
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        Set<String> texts = new TreeSet<>();
        for (JsonNode item : list.json().path("items")) {
            texts.add(item.path("text").asText());
        }
        return texts;
    }

    private RawHttp.Response send(RunningApi node, ApiClient.Tenant tenant, String method, String path, String json) {
        TenantGateway through = TwoNodes.through(node, tenant);
        return (token == null ? through : through.withToken(token)).send(method, path, json);
    }
}
