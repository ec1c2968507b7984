package dev.picobase.api.metrics;

import dev.picobase.core.backup.MetadataBackupSchedule;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.runtime.NodeLeases;
import dev.picobase.core.snapshot.SnapshotEvents;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.proxy.GatewayMetrics;
import dev.picobase.proxy.ConnectionLimiter;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The platform's Prometheus metrics: one registry per process, fed by the gateway
 * ({@link GatewayMetrics}), the snapshot writer ({@link SnapshotEvents}) and the lifecycle's cold
 * starts, plus gauges and function counters read only when scraped (instances by status, held
 * requests, key-cache counters, JVM and Netty allocator). The proxy and core modules know only
 * those small interfaces, so Micrometer stays in this module.
 *
 * <p>No metric carries an instance id or subdomain: with 10,000 tenants every such label would
 * multiply the series count by the number of tenants. Labels are bounded sets only (status class,
 * cold or warm, phase, status).
 *
 * <p>Every object a gauge or function counter reads is kept here ({@link #held}): Micrometer holds
 * that state only weakly, so an object nothing else referenced (the instance counts, a lambda) was
 * garbage-collected and its series read {@code NaN} or stopped moving from the next collection on.
 * Objects the platform holds anyway are kept too, so no meter depends on who else holds what.
 *
 * <p>Threading: {@link #requestCompleted} runs on gateway event loops for every exchange and
 * only touches meters built up front (no lookup, no tag allocation); the others are called on
 * blocking threads or the scrape thread.
 */
public final class PlatformMetrics implements GatewayMetrics, SnapshotEvents, InstanceLifecycle.ColdStartListener,
        AutoCloseable {
    private static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    /**
     * How stale {@code picobase_instances} may be. One {@code GROUP BY} read a second at most costs
     * nothing however many Prometheus servers scrape, and a dashboard sees a start or stop within a
     * second of the metadata store (it was 5 s when each read listed every instance).
     */
    private static final Duration INSTANCE_COUNTS_MAX_AGE = Duration.ofSeconds(1);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final GatewayMeters gateway;
    private final Counter coldStarts;
    private volatile dev.picobase.core.store.UsageRecorder usage;
    private final Timer forwardedLatency;
    private final Timer restore;
    private final Timer boot;
    private final DistributionSummary savedBytes;
    private final DistributionSummary restoredBytes;
    private final Timer saveDuration;
    private final Timer restoreDuration;
    private final Counter uploadFailures;
    private final Counter downloadFailures;
    /** Strong references to every gauge's and function counter's state (see the class comment). */
    private final List<Object> scrapedState = new CopyOnWriteArrayList<>();

    public PlatformMetrics() {
        // Two of ProcessorMetrics' names break Prometheus naming rules (promtool check metrics lints
        // them): process_cpu_time_ns_total (a unit abbreviation; process_cpu_usage remains) and
        // system_cpu_count (a gauge ending in _count), published as system_cpu_processors instead.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.processors") : id;
            }
        });
        gateway = new GatewayMeters(registry); // after the filters: a meter registered before one escapes it
        forwardedLatency = Timer.builder("picobase.forwarded.request.duration")
                .description("Latency of requests this node sent one hop to the node running their instance, as "
                        + "this node's clients saw it (compare with the owner's picobase_gateway_request_duration)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        coldStarts = Counter.builder("picobase.cold.starts").description("Instances started on demand")
                .register(registry);
        restore = coldStartTimer("restore");
        boot = coldStartTimer("boot");
        savedBytes = snapshotSize("save");
        restoredBytes = snapshotSize("restore");
        saveDuration = snapshotDuration("save");
        restoreDuration = snapshotDuration("restore");
        uploadFailures = transferFailures("upload");
        downloadFailures = transferFailures("download");
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        bindAllocator();
    }

    private Timer coldStartTimer(String phase) {
        return Timer.builder("picobase.cold.start")
                .description("Time a cold start spent restoring the snapshot and booting PocketBase")
                .tag("phase", phase).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(2))
                .register(registry);
    }

    private DistributionSummary snapshotSize(String op) {
        return DistributionSummary.builder("picobase.snapshot.size").baseUnit("bytes")
                .description("Size of snapshot archives saved and restored").tag("op", op).register(registry);
    }

    private Timer snapshotDuration(String op) {
        return Timer.builder("picobase.snapshot.duration")
                .description("Time to save (archive, upload, verify) or restore (download, check, extract) a snapshot")
                .tag("op", op).register(registry);
    }

    private Counter transferFailures(String direction) {
        return Counter.builder("picobase.snapshot.transfer.failures")
                .description("Snapshot uploads or downloads that failed (or did not verify)")
                .tag("direction", direction).register(registry);
    }

    /** The allocator the gateway's channels use (Netty 4.2: adaptive by default, pooled if configured). */
    private void bindAllocator() {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = held(provider.metric());
            Gauge.builder("picobase.netty.allocator.memory.used", metric, ByteBufAllocatorMetric::usedDirectMemory)
                    .baseUnit("bytes").description("Memory held by Netty's default buffer allocator")
                    .tag("area", "direct").register(registry);
            Gauge.builder("picobase.netty.allocator.memory.used", metric, ByteBufAllocatorMetric::usedHeapMemory)
                    .baseUnit("bytes").description("Memory held by Netty's default buffer allocator")
                    .tag("area", "heap").register(registry);
        }
    }

    /** Gauges and counters read when scraped; called once the platform's parts exist. */
    public void bind(MetadataStore store, InstanceLifecycle lifecycle, ApiKeyVerifier keys,
                     ConnectionLimiter gatewayConnections) {
        held(lifecycle);
        held(keys);
        held(gatewayConnections);
        NodeLeases leases = held(lifecycle.leases());
        Gauge.builder("picobase.gateway.connections", gatewayConnections, ConnectionLimiter::open)
                .description("Client connections open on the gateway").register(registry);
        FunctionCounter.builder("picobase.gateway.connections.refused", gatewayConnections,
                        ConnectionLimiter::refusedForAddress).tag("limit", "per_address")
                .description("Gateway connections refused at a limit").register(registry);
        FunctionCounter.builder("picobase.gateway.connections.refused", gatewayConnections,
                        ConnectionLimiter::refusedForTotal).tag("limit", "total")
                .description("Gateway connections refused at a limit").register(registry);
        held(new InstanceCounts(store, INSTANCE_COUNTS_MAX_AGE)).bindTo(registry);
        Gauge.builder("picobase.held.requests", lifecycle, InstanceLifecycle::heldRequests)
                .description("Requests waiting for an instance to start").register(registry);
        Gauge.builder("picobase.local.copies", lifecycle, InstanceLifecycle::localCopiesBytes).baseUnit("bytes")
                .description("Disk used by instances' local copies (PICOBASE_DISK_BUDGET bounds the stopped ones)")
                .register(registry);
        Gauge.builder("picobase.leases.held", leases, NodeLeases::heldCount)
                .description("Instance leases this node holds (cluster mode)").register(registry);
        FunctionCounter.builder("picobase.lease.renewals.failed", leases, NodeLeases::renewalsFailed)
                .description("Lease renewals that failed (the statement, or a lease no longer ours)").register(registry);
        FunctionCounter.builder("picobase.lease.takeovers", leases, NodeLeases::takeovers)
                .description("Leases this node took over from a node that had not given them back (it died, "
                        + "paused or was cut off)").register(registry);
        FunctionCounter.builder("picobase.leases.lost", leases, NodeLeases::lost)
                .description("Leases this node lost while serving (it stopped serving those instances)")
                .register(registry);
        FunctionCounter.builder("picobase.apikey.cache.hits", keys, ApiKeyVerifier::cacheHits)
                .description("API keys accepted from the gateway's cache").register(registry);
        FunctionCounter.builder("picobase.apikey.cache.misses", keys, ApiKeyVerifier::cacheMisses)
                .description("API keys not in the gateway's cache (looked up)").register(registry);
        FunctionCounter.builder("picobase.apikey.bcrypt.checks", keys, ApiKeyVerifier::bcryptChecks)
                .description("bcrypt comparisons run to verify API keys").register(registry);
    }

    /** Requests this node sent one hop to the node that runs their instance (cluster mode). */
    public void forwarded(LongSupplier count) {
        // Held: a method reference is a new object nothing else references; once collected the counter read 0.
        FunctionCounter.builder("picobase.forwarded.requests", held(count), c -> (double) c.getAsLong())
                .description("Requests forwarded to the node holding their instance's lease").register(registry);
    }

    /**
     * {@code picobase_metadata_backup_last_success_timestamp_seconds}: when the metadata database was last
     * backed up (Unix seconds; 0 before the first backup of this process, and always with Turso or
     * backups turned off). Alert on {@code time() - it} growing past the interval.
     */
    public void metadataBackups(MetadataBackupSchedule schedule) {
        Gauge.builder("picobase.metadata.backup.last.success.timestamp", held(schedule), s -> s.backups()
                        .map(b -> b.status().lastSuccessAt()).filter(java.util.Objects::nonNull)
                        .map(at -> at.toEpochMilli() / 1000.0).orElse(0.0))
                .baseUnit("seconds")
                .description("When the embedded metadata database was last backed up to object storage")
                .register(registry);
    }

    /** Keeps {@code state} for as long as this registry lives, and returns it. */
    private <T> T held(T state) {
        scrapedState.add(state);
        return state;
    }

    @Override
    public void requestCompleted(int statusCode, long nanos, boolean cold) {
        gateway.requestCompleted(statusCode, nanos, cold);
    }

    /** The same meters in a registry of their own, which nobody scrapes. */
    @Override
    public GatewayMetrics forWarmup() {
        return new GatewayMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** The gateway's requests and their latency, by status class and wake (built up front: no lookup per call). */
    private static final class GatewayMeters implements GatewayMetrics {
        /** Indexed [status class][cold ? 1 : 0]. */
        private final Counter[][] requests = new Counter[STATUS_CLASSES.length][2];
        private final Timer[][] latency = new Timer[STATUS_CLASSES.length][2];

        GatewayMeters(MeterRegistry registry) {
            for (int s = 0; s < STATUS_CLASSES.length; s++) {
                for (int c = 0; c < 2; c++) {
                    String wake = c == 1 ? "cold" : "warm";
                    requests[s][c] = Counter.builder("picobase.gateway.requests")
                            .description("Gateway requests answered, by response status class and whether the instance "
                                    + "was cold-started for them (status none: the client got no response)")
                            .tags("status", STATUS_CLASSES[s], "wake", wake).register(registry);
                    latency[s][c] = Timer.builder("picobase.gateway.request.duration")
                            .description("Gateway request latency, from the request head to the end of the response")
                            .tags("status", STATUS_CLASSES[s], "wake", wake)
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofNanos(100_000))
                            .maximumExpectedValue(Duration.ofSeconds(60))
                            .register(registry);
                }
            }
        }

        @Override
        public void requestCompleted(int statusCode, long nanos, boolean cold) {
            int s = statusCode >= 100 && statusCode < 600 ? statusCode / 100 : 0;
            int c = cold ? 1 : 0;
            requests[s][c].increment();
            latency[s][c].record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void forwardedCompleted(long nanos) {
        forwardedLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void coldStarted(long restoreNanos, long bootNanos) {
        coldStarts.increment();
        restore.record(restoreNanos, TimeUnit.NANOSECONDS);
        boot.record(bootNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void saved(long bytes, long nanos) {
        savedBytes.record(bytes);
        saveDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The instances' usage is fed from the same events as these metrics (cold starts, snapshot saves):
     * one counting point for both. Set once at wiring time.
     */
    public void usage(dev.picobase.core.store.UsageRecorder usage) {
        this.usage = usage;
    }

    @Override
    public void coldStarted(String instanceId, long restoreNanos, long bootNanos) {
        coldStarted(restoreNanos, bootNanos);
        dev.picobase.core.store.UsageRecorder u = usage;
        if (u != null) {
            u.coldStarted(instanceId);
        }
    }

    @Override
    public void saved(String instanceId, long bytes, long nanos) {
        saved(bytes, nanos);
        dev.picobase.core.store.UsageRecorder u = usage;
        if (u != null) {
            u.snapshotSaved(instanceId, bytes);
        }
    }

    @Override
    public void restored(long bytes, long nanos) {
        restoredBytes.record(bytes);
        restoreDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void uploadFailed() {
        uploadFailures.increment();
    }

    @Override
    public void downloadFailed() {
        downloadFailures.increment();
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
