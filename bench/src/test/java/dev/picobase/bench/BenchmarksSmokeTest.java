package dev.picobase.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the benchmarks working: each Java benchmark runs once at a tiny size against the real
 * platform and must write its JSON and Markdown with every request answered (for the cluster
 * benchmarks: the wake's metadata round trips seen by the relay, every forwarded request answered). Nothing here reads a
 * timing: figures come from {@code ./picobase bench}, never from the test suite.
 */
class BenchmarksSmokeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path results;

    @Test
    void coldStartsRestoreFromBothStoresAndMeasureTheFloor() throws Exception {
        Bench.main(new String[] {"cold-start", "--samples=2", "--local-samples=1", "--floor-samples=1", "--warmup=0",
                "--large-mb=3", "--results=" + results});

        JsonNode report = written("cold-start");
        // floor x 2 sizes, then per store: restore x 2 sizes, plus local copy x 2 sizes on the local store
        assertThat(report.get("rows")).hasSize(8);
        for (JsonNode row : report.get("rows")) {
            assertThat(row.path("errors").asInt(0)).as(row.toString()).isZero();
        }
    }

    @Test
    void theHerdStartsTheInstanceOnceAndAnswersEveryRequest() throws Exception {
        Bench.main(new String[] {"herd", "--requests=20", "--rounds=1", "--held-seconds=0", "--results=" + results});

        JsonNode report = written("herd");
        assertThat(report.get("rows")).hasSize(2); // one local-copy round and one restore round
        for (JsonNode row : report.get("rows")) {
            assertThat(row.get("requests").asInt()).isEqualTo(20);
            assertThat(row.get("errors").asInt()).isZero();
            assertThat(row.get("starts").asInt()).isEqualTo(1);
        }
    }

    @Test
    void manyTenantsServesTrafficAcrossTheAwakeOnes() throws Exception {
        Bench.main(new String[] {"many-tenants", "--instances=40", "--awake=3", "--seconds=2", "--warmup-seconds=1",
                "--connections=6", "--results=" + results});

        JsonNode report = written("many-tenants");
        assertThat(report.get("rows").size()).isGreaterThanOrEqualTo(4);
        assertThat(report.toString()).contains("\"errors\":0");
    }

    @Test
    void aWakeWithSqldFarAndNearCountsItsMetadataRoundTrips() throws Exception {
        Bench.main(new String[] {"cold-start-far", "--samples=2", "--floor-samples=1", "--warmup=0", "--delay-ms=5",
                "--results=" + results});

        JsonNode report = written("cold-start-far");
        assertThat(report.get("rows")).hasSize(3); // far, near, floor
        for (JsonNode row : report.get("rows")) {
            assertThat(row.path("errors").asInt(0)).as(row.toString()).isZero();
        }
        for (JsonNode row : List.of(report.get("rows").get(0), report.get("rows").get(1))) {
            // cluster mode: a wake takes the instance's lease at least, one statement the relay must have seen
            assertThat(row.get("round trips min").asDouble()).as(row.toString()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aRequestThroughTheOtherNodeIsForwardedAndAnswered() throws Exception {
        Bench.main(new String[] {"cluster-warm-path", "--samples=20", "--warmup=5", "--rounds=2", "--far-samples=3",
                "--delay-ms=5", "--wrk-seconds=1", "--nginx-requests=9", "--results=" + results});

        JsonNode report = written("cluster-warm-path");
        // owner and forwarded x (health, record, health with sqld far), wrk x 2, nginx hash and round-robin
        assertThat(report.get("rows")).hasSize(10);
        for (JsonNode row : report.get("rows")) {
            assertThat(row.get("errors").asInt()).as(row.toString()).isZero();
        }
        assertThat(report.get("rows").get(8).get("forwarded").asText()).as("the shipped hash config: no hops")
                .startsWith("0 of 9");
    }

    private JsonNode written(String name) throws Exception {
        assertThat(results.resolve(name + ".md")).exists();
        return JSON.readTree(Files.readString(results.resolve(name + ".json")));
    }
}
