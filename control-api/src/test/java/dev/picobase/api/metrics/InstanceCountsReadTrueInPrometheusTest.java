package dev.picobase.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.GarbageCollection;
import dev.picobase.api.testsupport.PrometheusServer;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: scraped by a real Prometheus, {@code picobase_instances{status=…}} was {@code NaN}
 * for every status in every scrape. The gauges read an {@code InstanceCounts} that nothing but
 * Micrometer referenced, Micrometer holds gauge state weakly, and the first garbage collection took
 * it; the metrics test only checked that the name was in the text.
 *
 * <p>This test runs the platform (embedded SQLite, so the counts are absolute) and a real
 * Prometheus scraping its management port every second, forces a collection that clears weak
 * references before the first scrape and again before the last, and reads the series with PromQL
 * as a dashboard would: all five statuses are 0 at first; creating an instance makes
 * {@code stopped} 1; starting it moves it to {@code running} (and {@code stopped} back to 0);
 * stopping it moves it back; the other series stay 0 throughout, and no series (of these or of any
 * other metric the platform exposes) is {@code NaN}.
 */
@Timeout(120)
class InstanceCountsReadTrueInPrometheusTest {
    private static final Duration MOVE = Duration.ofSeconds(20);
    /** Prometheus scrapes every second; asking more often than this only loads the machine. */
    private static final Duration POLL = Duration.ofMillis(100);

    @TempDir
    Path dir;

    private RunningApi api;
    private PrometheusServer prometheus;

    @BeforeEach
    void start() {
        api = RunningApi.start(StoreKind.SQLITE, dir.resolve("platform"));
        GarbageCollection.clearWeakReferences();
        prometheus = PrometheusServer.scraping(api.managementPort(), dir.resolve("prometheus"));
    }

    @AfterEach
    void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        api.close();
    }

    @Test
    void aCreatedStartedAndStoppedInstanceMovesTheRightSeries() {
        Deadline.await("Prometheus to scrape the management port", MOVE, POLL,
                () -> prometheus.query("up{job=\"picobase\"} == 1").size() == 1);
        awaitInstances(0, 0, 0, 0, 0);

        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        String id = user.createInstance().get("id").asText();
        awaitInstances(1, 0, 0, 0, 0);

        assertThat(user.client().post("/api/instances/" + id + "/start").status()).isEqualTo(200);
        awaitInstances(0, 0, 1, 0, 0);

        assertThat(user.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
        awaitInstances(1, 0, 0, 0, 0);

        // Once more after a collection: the series still read a number in a scrape made after it.
        GarbageCollection.clearWeakReferences();
        double collectedAt = Instant.now().toEpochMilli() / 1000.0;
        Deadline.await("a scrape after the collection", MOVE, POLL,
                () -> !prometheus.query("timestamp(up{job=\"picobase\"}) > " + collectedAt).isEmpty());
        assertThat(prometheus.query("picobase_instances != picobase_instances")).as("NaN series").isEmpty();
        assertThat(prometheus.query("{job=\"picobase\"}")).as("every series the platform exposes")
                .isNotEmpty().noneMatch(sample -> Double.isNaN(sample.value()));
        assertThat(prometheus.byLabel("picobase_instances", "status"))
                .isEqualTo(expected(1, 0, 0, 0, 0));
    }

    /** Waits until the five series read these counts, in the order stopped, starting, running, stopping, failed. */
    private void awaitInstances(long stopped, long starting, long running, long stopping, long failed) {
        Map<String, Double> want = expected(stopped, starting, running, stopping, failed);
        AtomicReference<Map<String, Double>> seen = new AtomicReference<>();
        try {
            Deadline.await("picobase_instances " + want, MOVE, POLL, () -> {
                seen.set(prometheus.byLabel("picobase_instances", "status"));
                return seen.get().equals(want);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; Prometheus last read " + seen.get(), e);
        }
    }

    private static Map<String, Double> expected(long stopped, long starting, long running, long stopping,
                                                long failed) {
        return Map.of("stopped", (double) stopped, "starting", (double) starting, "running", (double) running,
                "stopping", (double) stopping, "failed", (double) failed);
    }
}
