package dev.picobase.bench;

import dev.picobase.bench.relay.DelayRelay;
import dev.picobase.bench.relay.RelayedRequest;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.SqldServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Cold start with the metadata database far away ({@code cold-start-far}): a real Turso database is
 * tens of milliseconds from the node, and every metadata statement on the wake path costs a round
 * trip. The platform runs in cluster mode (leases on) against a real {@code sqld} behind a
 * {@link DelayRelay} that delivers every chunk {@code --delay-ms} late each way (default 15: a 30 ms
 * round trip), and, interleaved round by round on the same platform and instance, with the relay's
 * delay at 0 (sqld near, the same relay in the way).
 *
 * <p>A sample is the cold-start benchmark's {@code local copy} mode with the tiny data set: stop the
 * instance (a save; its local copy is kept, as after an idle stop), then one GET of a small record
 * with its API key on a fresh connection, timed to the response headers, whose {@code Server-Timing}
 * gives the boot; then the same read again on the running instance ("warm").
 *
 * <p>Round trips. The relay records every HTTP request the platform sends to sqld (one per statement,
 * {@link dev.picobase.bench.relay.HttpRequestStream}) with the moment it was sent. The requests sent
 * while the wake request was being served, minus background work ({@link BackgroundStatements}: cluster
 * sync polls every 500 ms, lease renewals, key re-checks, ...), are the wake path's round trips; the
 * median over the samples is reported, with the statements of one sample in order. Those that started
 * before {@code TTFB - boot} after sending were made before PocketBase was spawned: the spawn is
 * at most that late (boot and the rest of the response follow it), and a statement after it waits
 * for the boot to end, which is later than that as long as the boot outlasts what follows it (a round
 * trip and the proxying).
 *
 * <p>The floor is PocketBase alone on a copy of the same data ({@link ColdStartPocketBase}), as in the
 * cold-start benchmark. About 45 seconds with the defaults ({@code --samples=50} per distance).
 */
public final class ColdStartFarBench {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final String FAR = "far";
    private static final String NEAR = "near";
    /** The target: at most one metadata round trip before PocketBase is spawned. */
    private static final int BEFORE_SPAWN_TARGET = 1;

    private ColdStartFarBench() {}

    /** The samples of one distance. */
    private static final class Series {
        final String name;
        final Duration oneWay;
        final ColdStartSeries timings;
        final List<Integer> onPath = new ArrayList<>();
        final List<Integer> beforeSpawn = new ArrayList<>();
        final List<Integer> inWindow = new ArrayList<>();
        final List<Integer> warmOnPath = new ArrayList<>();
        final List<Map<String, Object>> samples = new ArrayList<>();
        final Map<String, Integer> backgroundSeen = new TreeMap<>();

        Series(String name, Duration oneWay, ColdStartDataset dataset) {
            this.name = name;
            this.oneWay = oneWay;
            this.timings = new ColdStartSeries("local", dataset, "local copy, " + describe(oneWay));
        }

        String describe() {
            return describe(oneWay);
        }

        static String describe(Duration oneWay) {
            return oneWay.isZero() ? "sqld near (relay, 0 ms)"
                    : "sqld " + 2 * oneWay.toMillis() + " ms RTT away";
        }
    }

    public static void run(Bench.Options options) throws IOException {
        int samples = options.integer("samples", 50);
        int floorSamples = options.integer("floor-samples", 10);
        int warmup = options.integer("warmup", 2);
        Duration oneWay = Duration.ofMillis(options.integer("delay-ms", 15));
        long began = System.nanoTime();
        Path work = Files.createTempDirectory("picobase-cold-start-far-");
        List<Series> series;
        ColdStartSeries floor;
        MetadataRoundTrip.Calibration calibration;
        try {
            progress("building the data set in " + work);
            ColdStartDataset tiny = ColdStartDataset.build("tiny", work.resolve("templates/tiny"), 0, 0);
            Path floorDir = work.resolve("floor");
            tiny.copyTo(floorDir.resolve("pb_data"));
            floor = new ColdStartSeries("none", tiny, "floor: bare PocketBase");
            series = List.of(new Series(FAR, oneWay, tiny), new Series(NEAR, Duration.ZERO, tiny));
            Files.createDirectories(work.resolve("sqld"));
            try (SqldServer sqld = SqldServer.start(work.resolve("sqld"));
                 DelayRelay relay = DelayRelay.start(address(sqld.url()), Duration.ZERO);
                 BenchPlatform platform = BenchPlatform.start(work.resolve("platform"), Map.of(
                         "TURSO_DATABASE_URL", relay.url(), "PICOBASE_NODE_ID", "bench-far"), List.of())) {
                platform.signUp("bench@example.com", "benchmark-password");
                String id = platform.createInstance("far");
                tiny.copyTo(platform.pbData(id));
                Tenant tenant = new Tenant(tiny, id, platform.createKey(id));
                platform.start(id);
                ColdStartHttp.Response first = read(platform, tenant);
                if (first.status() != 200) {
                    throw new IllegalStateException("the first read answered " + first.status() + ": " + first.body());
                }
                for (int i = 0; i < warmup; i++) {
                    Series discarded = new Series("warm-up", Duration.ZERO, tiny);
                    sample(platform, relay, tenant, discarded);
                    if (!discarded.timings.errors().isEmpty()) {
                        throw new IllegalStateException("a warm-up cold start failed: " + discarded.timings.errors()
                                + "\n" + platform.logTail(30));
                    }
                }
                progress(String.format(Locale.ROOT, "set up and warmed up (%.0f s); sampling", seconds(began)));
                for (int round = 0; round < Math.max(samples, floorSamples); round++) {
                    if (round < samples) {
                        // Alternate which distance goes first, so neither always follows the other.
                        for (int k = 0; k < series.size(); k++) {
                            sample(platform, relay, tenant, series.get((k + round) % series.size()));
                        }
                    }
                    if (round < floorSamples) {
                        floorSample(floorDir, floor);
                    }
                    if ((round + 1) % 10 == 0) {
                        progress(String.format(Locale.ROOT, "%d rounds (%.0f s)", round + 1, seconds(began)));
                    }
                }
                calibration = MetadataRoundTrip.calibrate(sqld.url(), relay, oneWay);
                if (relay.unparsedConnections() > 0) {
                    throw new IllegalStateException(relay.unparsedConnections()
                            + " connections to sqld did not parse as HTTP: the round-trip counts would be wrong");
                }
            }
        } finally {
            FileTrees.delete(work);
        }
        report(series, floor, calibration, samples, floorSamples, warmup, seconds(began)).write(options.results());
    }

    private record Tenant(ColdStartDataset dataset, String id, String key) {}

    /** One cycle at the series' distance: stop (local copy kept), a timed wake, a warm repeat. */
    private static void sample(BenchPlatform platform, DelayRelay relay, Tenant tenant, Series series) {
        relay.delay(series.oneWay);
        String failure;
        try {
            long stopBegan = System.nanoTime();
            platform.stop(tenant.id());
            long stopNanos = System.nanoTime() - stopBegan;
            ColdStartHttp.Response wake = read(platform, tenant);
            Optional<long[]> timing = ColdStartBench.serverTiming(wake.headers().get("server-timing"));
            if (wake.status() == 200 && timing.isPresent() && wake.body().contains(tenant.dataset().recordId())) {
                ColdStartHttp.Response warm = read(platform, tenant);
                if (warm.status() == 200) {
                    series.timings.add(stopNanos, wake.headersNanos(), timing.get()[0], timing.get()[1],
                            warm.headersNanos());
                    count(relay, series, wake, timing.get()[1], warm);
                    return;
                }
                failure = "the warm repeat answered " + warm.status() + ": " + ColdStartBench.excerpt(warm.body());
            } else {
                failure = wake.status() + (timing.isPresent() ? "" : " without Server-Timing") + ": "
                        + ColdStartBench.excerpt(wake.body());
            }
        } catch (IOException | RuntimeException e) {
            failure = e.toString();
        }
        series.timings.error(failure);
        progress(series.describe() + ": sample failed: " + failure);
        if (series.timings.errors().size() > 5) {
            throw new IllegalStateException(series.describe() + ": too many failed samples: " + series.timings.errors()
                    + "\n" + platform.logTail(30));
        }
    }

    /** The metadata requests sent while the wake and the warm read were served. */
    private static void count(DelayRelay relay, Series series, ColdStartHttp.Response wake, long bootMs,
                              ColdStartHttp.Response warm) {
        long from = wake.sentNanos();
        long to = from + wake.headersNanos();
        List<RelayedRequest> all = relay.requests();
        List<RelayedRequest> window = relay.requestsBetween(from, to);
        List<RelayedRequest> own = BackgroundStatements.own(window, all);
        long spawnedBy = to - Duration.ofMillis(bootMs).toNanos();
        series.inWindow.add(window.size());
        series.onPath.add(own.size());
        series.beforeSpawn.add((int) own.stream().filter(r -> r.startNanos() - spawnedBy < 0).count());
        window.forEach(r -> BackgroundStatements.kind(r, all)
                .ifPresent(k -> series.backgroundSeen.merge(k, 1, Integer::sum)));
        List<RelayedRequest> warmOwn = BackgroundStatements.own(
                relay.requestsBetween(warm.sentNanos(), warm.sentNanos() + warm.headersNanos()), all);
        series.warmOnPath.add(warmOwn.size());

        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("ttfb_ms", Stats.round(wake.headersNanos() / 1e6));
        sample.put("boot_ms", bootMs);
        sample.put("statements", window.stream().map(r -> String.format(Locale.ROOT, "+%.1f ms %s%s",
                (r.startNanos() - from) / 1e6, BackgroundStatements.kind(r, all).map(k -> "(background: " + k + ") ")
                        .orElse(""), r.label())).toList());
        sample.put("warm_statements", warmOwn.stream().map(RelayedRequest::label).toList());
        series.samples.add(sample);
    }

    private static void floorSample(Path instanceDir, ColdStartSeries floor) {
        try (ColdStartPocketBase pocketbase = ColdStartPocketBase.spawn(instanceDir)) {
            floor.addBoot(pocketbase.awaitHealthy());
        } catch (RuntimeException e) {
            floor.error(e.toString());
            progress("floor sample failed: " + e);
        }
    }

    private static ColdStartHttp.Response read(BenchPlatform platform, Tenant tenant) throws IOException {
        return ColdStartHttp.get(platform.gatewayPort(),
                "/api/collections/posts/records/" + tenant.dataset().recordId(),
                Map.of("Host", "far.localhost", "apikey", tenant.key()), REQUEST_TIMEOUT);
    }

    static InetSocketAddress address(String url) {
        URI uri = URI.create(url);
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    private static Report report(List<Series> series, ColdStartSeries floor, MetadataRoundTrip.Calibration calibration,
                                 int samples, int floorSamples, int warmup, double wallSeconds) {
        Series far = series.get(0);
        Series near = series.get(1);
        Report report = new Report("cold-start-far", "Cold start with the metadata database far away")
                .parameter("samples per distance", samples)
                .parameter("floor samples", floorSamples)
                .parameter("warm-up cycles", warmup)
                .parameter("data", "tiny, local copy kept, local store")
                .parameter("relay delay each way ms", far.oneWay.toMillis())
                .parameter("wall time s", Math.round(wallSeconds))
                .columns("metadata", "n", "errors", "TTFB p50", "TTFB p90", "TTFB p99", "boot p50", "other p50",
                        "round trips p50", "round trips min", "round trips max", "before spawn p50",
                        "all requests p50", "warm p50", "warm round trips p50", "stop p50");
        for (Series s : series) {
            Map<String, Object> row = new LinkedHashMap<>();
            ColdStartSeries t = s.timings;
            row.put("metadata", s.describe());
            row.put("n", t.ttfb().count());
            row.put("errors", t.errors().size());
            row.put("TTFB p50", Stats.round(t.ttfb().quantile(0.5)));
            row.put("TTFB p90", Stats.round(t.ttfb().quantile(0.9)));
            row.put("TTFB p99", Stats.round(t.ttfb().quantile(0.99)));
            row.put("boot p50", Stats.round(t.boot().quantile(0.5)));
            row.put("other p50", Stats.round(t.other().quantile(0.5)));
            row.put("round trips p50", median(s.onPath));
            row.put("round trips min", Stats.of(doubles(s.onPath)).min());
            row.put("round trips max", Stats.of(doubles(s.onPath)).max());
            row.put("before spawn p50", median(s.beforeSpawn));
            row.put("all requests p50", median(s.inWindow));
            row.put("warm p50", t.row().get("warm p50"));
            row.put("warm round trips p50", median(s.warmOnPath));
            row.put("stop p50", Stats.round(t.stop().quantile(0.5)));
            report.row(row);
        }
        Map<String, Object> floorRow = new LinkedHashMap<>();
        floorRow.put("metadata", "floor: bare PocketBase");
        floorRow.put("n", floor.boot().count());
        floorRow.put("errors", floor.errors().size());
        floorRow.put("boot p50", Stats.round(floor.boot().quantile(0.5)));
        report.row(floorRow);

        double farP50 = far.timings.ttfb().quantile(0.5);
        double nearP50 = near.timings.ttfb().quantile(0.5);
        double rtt = 2.0 * far.oneWay.toMillis();
        report.finding(String.format(Locale.ROOT,
                "wake from the local copy: TTFB p50 %.1f ms (p99 %.1f) with sqld %.0f ms RTT away, %.1f ms (p99 %.1f) "
                        + "with sqld near: +%.1f ms, %.1f round trips' worth", farP50,
                far.timings.ttfb().quantile(0.99), rtt, nearP50, near.timings.ttfb().quantile(0.99), farP50 - nearP50,
                rtt > 0 ? (farP50 - nearP50) / rtt : Double.NaN));
        for (Series s : series) {
            report.finding(String.format(Locale.ROOT,
                    "%s: %s metadata round trips on the wake path (median of %d; min %s, max %s), %s of them before "
                            + "PocketBase was spawned: %s", s.describe(), fmt(median(s.onPath)), s.onPath.size(),
                    fmt(Stats.of(doubles(s.onPath)).min()), fmt(Stats.of(doubles(s.onPath)).max()),
                    fmt(median(s.beforeSpawn)), median(s.beforeSpawn) <= BEFORE_SPAWN_TARGET
                            ? "meets the target of at most " + BEFORE_SPAWN_TARGET
                            : "misses the target of at most " + BEFORE_SPAWN_TARGET));
        }
        typicalSample(far).ifPresent(sample -> report.finding("the wake path's metadata requests in a typical "
                + far.describe() + " sample (offset from sending the request; TTFB " + sample.get("ttfb_ms")
                + " ms, boot " + sample.get("boot_ms") + " ms): " + String.join("; ",
                        ((List<?>) sample.get("statements")).stream().map(Object::toString).toList())));
        for (Series s : series) {
            if (!s.backgroundSeen.isEmpty()) {
                report.finding(s.describe() + ": background statements that overlapped the wakes and are not counted: "
                        + s.backgroundSeen.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                        .collect(Collectors.joining(", ")) + " (in " + s.onPath.size() + " wakes)");
            }
        }
        report.finding(String.format(Locale.ROOT, "bare PocketBase boots in %.1f ms (p50); the far wake's TTFB p50 is "
                + "%.1f ms above it, the near one's %.1f ms", floor.boot().quantile(0.5),
                farP50 - floor.boot().quantile(0.5), nearP50 - floor.boot().quantile(0.5)));
        report.finding(String.format(Locale.ROOT, "the warm repeat made %s metadata round trips (median) and took "
                + "%s ms (p50) with sqld far", fmt(median(far.warmOnPath)), far.timings.row().get("warm p50")));
        report.finding(calibration.finding());
        report.extra("metadata_round_trip_ms", calibration.figures());
        int errors = series.stream().mapToInt(s -> s.timings.errors().size()).sum() + floor.errors().size();
        report.finding(errors == 0 ? "every sample answered 200 with a Server-Timing header (no errors)"
                : errors + " samples failed; their descriptions are in the JSON");
        Map<String, Object> raw = new LinkedHashMap<>();
        for (Series s : series) {
            Map<String, Object> one = new LinkedHashMap<>(s.timings.samples());
            one.put("round_trips", s.onPath);
            one.put("before_spawn", s.beforeSpawn);
            one.put("all_requests", s.inWindow);
            one.put("warm_round_trips", s.warmOnPath);
            one.put("requests", s.samples);
            raw.put(s.name, one);
        }
        raw.put("floor", floor.samples());
        report.extra("samples", raw);
        return report;
    }

    /** The first sample whose count of round trips is the median: its statements stand for the rest. */
    private static Optional<Map<String, Object>> typicalSample(Series s) {
        double median = median(s.onPath);
        for (int i = 0; i < s.onPath.size(); i++) {
            if (s.onPath.get(i) == median) {
                return Optional.of(s.samples.get(i));
            }
        }
        return s.samples.stream().findFirst();
    }

    private static double median(List<Integer> values) {
        return Stats.of(doubles(values)).quantile(0.5);
    }

    private static double[] doubles(List<Integer> values) {
        return values.stream().mapToDouble(Integer::doubleValue).toArray();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static void progress(String line) {
        System.err.println("cold-start-far: " + line);
    }
}
