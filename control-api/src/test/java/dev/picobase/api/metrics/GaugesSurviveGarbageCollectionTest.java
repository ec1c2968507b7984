package dev.picobase.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.GarbageCollection;
import dev.picobase.api.testsupport.MetricsText;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: Micrometer holds the object a gauge or function counter reads only weakly.
 * {@code picobase_instances} read an {@code InstanceCounts} nothing else referenced, so after the
 * first garbage collection every one of its series was {@code NaN} (and the forwarded-requests
 * counter, reading a method reference, had dropped to 0 the same way before it was kept).
 *
 * <p>This test creates an instance, forces a collection that clears weak references, then scrapes
 * the running platform's {@code /metrics}: no sample anywhere is {@code NaN}, the instance counts
 * read the truth ({@code stopped} 1, the other statuses 0), and the gauges and counters read from
 * the platform's parts read numbers (no held requests, no leases on a single node, no forwards).
 */
@Timeout(60)
class GaugesSurviveGarbageCollectionTest {
    @TempDir
    Path dir;

    private RunningApi api;

    @BeforeEach
    void start() {
        api = RunningApi.start(StoreKind.SQLITE, dir);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void everyMeterReadsANumberAfterACollection() {
        api.client().signUpAndSignIn().createInstance();
        GarbageCollection.clearWeakReferences();

        MetricsText metrics = api.scrapeMetrics();

        assertThat(metrics.nanSamples()).isEmpty();
        assertThat(metrics.sum("picobase_instances", "status=\"stopped\"")).isEqualTo(1);
        for (String status : new String[] {"starting", "running", "stopping", "failed"}) {
            assertThat(metrics.sum("picobase_instances", "status=\"" + status + "\"")).as(status).isZero();
        }
        assertThat(metrics.sum("picobase_instances")).isEqualTo(1);
        assertThat(metrics.sum("picobase_held_requests")).isZero();
        assertThat(metrics.sum("picobase_leases_held")).isZero();
        assertThat(metrics.sum("picobase_forwarded_requests_total")).isZero();
        assertThat(metrics.has("picobase_forwarded_requests_total")).isTrue();
        assertThat(metrics.sum("picobase_gateway_connections")).isZero();
        assertThat(metrics.has("picobase_metadata_backup_last_success_timestamp_seconds")).isTrue();
        assertThat(metrics.sum("jvm_memory_used_bytes")).isPositive();
    }
}
