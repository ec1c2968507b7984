package dev.picobase.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.bench.relay.DelayRelay;
import dev.picobase.bench.relay.RelayedRequest;
import dev.picobase.testsupport.S3ProxyServer;
import dev.picobase.testsupport.SqldServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: a node that does not hold an instance's lease forwards the instance's requests to
 * the owner, but for every one of them it first runs a wake-up: it tries to take the lease
 * ({@code INSERT INTO leases ... ON CONFLICT DO UPDATE ... WHERE expired}, which the owner's live lease
 * refuses) and then reads the lease to learn the owner ({@code SELECT ... FROM leases}), on the
 * instance's lock and the instance-work pool, before the hop. Two metadata round trips per forwarded
 * request: about 4 ms added at p50 and 20 ms at p99 with sqld on the same machine, against a target of
 * 0.5 ms p99 for the whole hop, and 60 ms or more with Turso 30 ms away (the cluster-warm-path
 * benchmark). Forwarding should go on what the node already knows of the owner, until the owner's
 * lease could have changed hands, and ask the database again only then or when the hop fails.
 *
 * <p>Two nodes as {@code ./picobase up} runs them, on a real sqld behind a {@link DelayRelay} (0 ms)
 * that records every statement. Node a starts the instance (takes the lease); one request through
 * node b learns the owner; then 20 more through b are counted: beyond background work
 * ({@link BackgroundStatements}) they may cause at most two statements in all (a refresh of the
 * nodes' listing, at most once a second, may fall among them). They caused 40 (and sometimes the
 * driver's {@code SELECT 1} of a new pooled connection) before the node remembered the owner it was
 * refused for ({@code NodeLeases.ownerElsewhere}, a second).
 */
@Timeout(180)
class AForwardedRequestMakesNoMetadataRoundTripTest {
    private static final int REQUESTS = 20;

    @TempDir
    Path dir;

    @Test
    void forwardedRequestsGoOnWhatTheNodeKnowsOfTheOwner() throws Exception {
        Files.createDirectories(dir.resolve("sqld"));
        try (SqldServer sqld = SqldServer.start(dir.resolve("sqld"));
             DelayRelay relay = DelayRelay.start(ColdStartFarBench.address(sqld.url()), Duration.ZERO);
             S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3proxy"));
             BenchPlatform a = ClusterWarmPathBench.node(dir, "node-a", 21500, relay, s3, "0123456789abcdef".repeat(4));
             BenchPlatform b = ClusterWarmPathBench.node(dir, "node-b", 23500, relay, s3, "0123456789abcdef".repeat(4))) {
            a.signUp("bench@example.com", "benchmark-password");
            String id = a.createInstance("hop");
            String key = a.createKey(id);
            a.start(id);
            byte[] health = KeepAliveClient.get("/api/health", Map.of("Host", "hop.localhost", "apikey", key));
            double forwardedBefore = b.metric("picobase_forwarded_requests_total");

            try (KeepAliveClient client = new KeepAliveClient(b.gatewayPort())) {
                assertThat(client.send(health).status()).isEqualTo(200); // b learns who owns the instance
                long from = System.nanoTime();
                for (int i = 0; i < REQUESTS; i++) {
                    assertThat(client.send(health).status()).isEqualTo(200);
                }
                List<RelayedRequest> own = BackgroundStatements.own(relay.requestsBetween(from, System.nanoTime()),
                relay.requests());

                assertThat(b.metric("picobase_forwarded_requests_total") - forwardedBefore)
                        .as("every request went through b to a").isEqualTo(REQUESTS + 1);
                assertThat(own).as("metadata statements for %d forwarded requests: %s", REQUESTS, own.stream()
                        .collect(Collectors.groupingBy(RelayedRequest::label, TreeMap::new, Collectors.counting())))
                        .hasSizeLessThanOrEqualTo(2);
            }
        }
    }
}
