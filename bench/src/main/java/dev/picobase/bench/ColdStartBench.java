package dev.picobase.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Cold start: how long the first request to a stopped instance waits, from sending it through the
 * gateway until the response headers arrive (TTFB), split into the restore and boot durations the
 * gateway reports in {@code Server-Timing: restore;dur=<ms>, boot;dur=<ms>} (whole milliseconds;
 * "other" is the rest: gateway, key check, wake bookkeeping, proxying). "warm" is the same read
 * repeated at once on the running instance: what a request costs without a wake-up.
 *
 * <p>Data sets: {@code tiny} (a collection and one record) and {@code large} ({@code --large-mb},
 * default 100: a quarter records, three quarters uploaded files of random bytes, which snapshots
 * store rather than deflate, so each cycle's save stays quick). Each is built once by a bare
 * PocketBase ({@link ColdStartDataset}) and seeded as the local copy of a new instance, which its
 * first stop saves to object storage.
 *
 * <p>Per object store ({@code --stores=local,s3}: the platform's local-directory store, or S3Proxy
 * in this JVM) a fresh platform runs both instances, and each sample is: stop the instance (which
 * saves a snapshot) and then
 * <ul>
 *   <li>{@code restore}: delete the local {@code pb_data}, so the start downloads, verifies and
 *       unzips the snapshot ({@code --samples}, default 50);
 *   <li>{@code local copy}: keep it, as after an idle stop in production ({@code --local-samples},
 *       default 10, on the stores in {@code --local-copy-stores}, default {@code local}: this start
 *       does not touch object storage, while its stop costs a full save);
 * </ul>
 * then one GET of the small record with the instance's API key, on a fresh connection (its
 * loopback connect is inside the figure). A sample counts only if it answers 200 with the record
 * and a {@code Server-Timing} header (it really cold-started the instance); anything else is an
 * error, counted in its row. {@code --warmup} (default 2) unrecorded restore cycles per instance
 * warm the platform's JIT first.
 *
 * <p>The floor: PocketBase alone, spawned with the runtime's flags on a copy of each data set and
 * polled every millisecond until healthy ({@link ColdStartPocketBase}), {@code --floor-samples}
 * (default 10) per data set on each store's platform. A row's boot p50 minus the floor's is what
 * our runtime adds to PocketBase's own boot.
 *
 * <p>Within a store, rows and floor boots are interleaved round by round, so that noise from other
 * work on the machine falls on all of them alike. The run takes about 5 minutes with the defaults on 2
 * cores, mostly in saves: every cycle's stop archives and uploads the whole {@code pb_data}.
 */
public final class ColdStartBench {
    private static final String RESTORE = "restore";
    private static final String LOCAL_COPY = "local copy";
    private static final String FLOOR = "floor: bare PocketBase";
    private static final Pattern TIMING = Pattern.compile("(\\w+);dur=(\\d+)");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final double WAKE_P50_TARGET = 60;
    private static final double SMALL_RESTORE_P50_TARGET = 150;
    private static final double SMALL_RESTORE_P99_TARGET = 300;
    private static final double LARGE_RESTORE_P50_TARGET = 400;

    private ColdStartBench() {}

    /** What to measure, from the options. */
    private record Plan(List<String> stores, int samples, int localSamples, List<String> localCopyStores,
                        int floorSamples, int warmup) {
        int rounds() {
            return Math.max(samples, Math.max(localSamples, floorSamples));
        }
    }

    /** One instance on a platform: its data set, id, key and the series its samples go to. */
    private record Tenant(ColdStartDataset dataset, String id, String key, ColdStartSeries restore,
                          ColdStartSeries localCopy) {}

    /** Bare PocketBase on a copy of a data set, with the series its boots go to. */
    private record Floor(ColdStartDataset dataset, Path instanceDir, ColdStartSeries series) {}

    public static void run(Bench.Options options) throws IOException {
        Plan plan = new Plan(List.of(options.text("stores", "local,s3").split(",")), options.integer("samples", 50),
                options.integer("local-samples", 10), List.of(options.text("local-copy-stores", "local").split(",")),
                options.integer("floor-samples", 10), options.integer("warmup", 2));
        int largeMb = options.integer("large-mb", 100);
        for (String store : plan.stores()) {
            if (!store.equals("local") && !store.equals("s3")) {
                throw new IllegalArgumentException("--stores lists local and/or s3, not " + store);
            }
        }
        long began = System.nanoTime();
        Path work = Files.createTempDirectory("picobase-cold-start-");
        List<ColdStartSeries> series = new ArrayList<>();
        try {
            progress("building the data sets in " + work);
            ColdStartDataset tiny = ColdStartDataset.build("tiny", work.resolve("templates/tiny"), 0, 0);
            int recordMb = largeMb / 4;
            ColdStartDataset large = ColdStartDataset.build("large", work.resolve("templates/large"), recordMb,
                    largeMb - recordMb);
            List<ColdStartDataset> datasets = List.of(tiny, large);
            progress(String.format(Locale.ROOT, "data sets: tiny %.1f MB, large %.1f MB (%.0f s)",
                    tiny.bytes() / 1e6, large.bytes() / 1e6, seconds(began)));
            List<Floor> floors = new ArrayList<>();
            for (ColdStartDataset dataset : datasets) {
                Path instanceDir = work.resolve("floor").resolve(dataset.name());
                dataset.copyTo(instanceDir.resolve("pb_data"));
                Floor floor = new Floor(dataset, instanceDir, new ColdStartSeries("none", dataset, FLOOR));
                floors.add(floor);
                series.add(floor.series());
            }
            for (String store : plan.stores()) {
                series.addAll(runStore(store, work.resolve(store), datasets, floors, plan));
            }
        } finally {
            FileTrees.delete(work);
        }
        report(series, plan, seconds(began)).write(options.results());
    }

    private static List<ColdStartSeries> runStore(String store, Path dir, List<ColdStartDataset> datasets,
            List<Floor> floors, Plan plan) {
        long began = System.nanoTime();
        int localSamples = plan.localCopyStores().contains(store) ? plan.localSamples() : 0;
        progress(store + ": starting the platform");
        try (S3ProxyServer s3 = store.equals("s3") ? S3ProxyServer.start(dir.resolve("s3proxy")) : null;
             BenchPlatform platform = BenchPlatform.start(dir.resolve("platform"),
                     s3 == null ? Map.of() : s3.environment(), List.of())) {
            platform.signUp("bench@example.com", "benchmark-password");
            List<Tenant> tenants = new ArrayList<>();
            for (ColdStartDataset dataset : datasets) {
                String id = platform.createInstance(dataset.name());
                dataset.copyTo(platform.pbData(id));
                String key = platform.createKey(id);
                platform.start(id);
                Tenant tenant = new Tenant(dataset, id, key, new ColdStartSeries(store, dataset, RESTORE),
                        new ColdStartSeries(store, dataset, LOCAL_COPY));
                ColdStartHttp.Response first = read(platform, tenant);
                if (first.status() != 200) {
                    throw new IllegalStateException(store + ": the first read of " + dataset.name() + " answered "
                            + first.status() + ": " + first.body());
                }
                tenants.add(tenant);
            }
            for (int i = 0; i < plan.warmup(); i++) {
                for (Tenant tenant : tenants) {
                    ColdStartSeries discarded = new ColdStartSeries(store, tenant.dataset(), "warm-up");
                    sample(platform, tenant, true, discarded);
                    if (!discarded.errors().isEmpty()) {
                        throw new IllegalStateException(store + ": a warm-up cold start failed: "
                                + discarded.errors() + "\n" + platform.logTail(30));
                    }
                }
            }
            progress(String.format(Locale.ROOT, "%s: set up and warmed up (%.0f s); sampling", store, seconds(began)));
            for (int round = 0; round < plan.rounds(); round++) {
                for (Tenant tenant : tenants) {
                    if (round < plan.samples()) {
                        sample(platform, tenant, true, tenant.restore());
                    }
                    if (round < localSamples) {
                        sample(platform, tenant, false, tenant.localCopy());
                    }
                }
                if (round < plan.floorSamples()) {
                    floors.forEach(ColdStartBench::floorSample);
                }
                if ((round + 1) % 10 == 0) {
                    progress(String.format(Locale.ROOT, "%s: %d rounds (%.0f s)", store, round + 1, seconds(began)));
                }
            }
            List<ColdStartSeries> measured = new ArrayList<>();
            for (Tenant tenant : tenants) {
                long snapshot = currentSnapshotBytes(platform, tenant.id());
                tenant.restore().snapshotBytes(snapshot);
                measured.add(tenant.restore());
                if (localSamples > 0) {
                    tenant.localCopy().snapshotBytes(snapshot);
                    measured.add(tenant.localCopy());
                }
            }
            return measured;
        } catch (IOException e) {
            throw new IllegalStateException(store + ": the first read through the gateway failed", e);
        }
    }

    /**
     * One cold start: stop (saves a snapshot), delete the local copy when {@code restore}, then one
     * timed read. Failures are recorded in {@code series}.
     */
    private static void sample(BenchPlatform platform, Tenant tenant, boolean restore, ColdStartSeries series) {
        String failure;
        try {
            long stopBegan = System.nanoTime();
            platform.stop(tenant.id());
            long stopNanos = System.nanoTime() - stopBegan;
            if (restore) {
                FileTrees.delete(platform.pbData(tenant.id()));
            }
            ColdStartHttp.Response response = read(platform, tenant);
            Optional<long[]> timing = serverTiming(response.headers().get("server-timing"));
            if (response.status() == 200 && timing.isPresent() && response.body().contains(tenant.dataset().recordId())) {
                ColdStartHttp.Response warm = read(platform, tenant);
                if (warm.status() == 200) {
                    series.add(stopNanos, response.headersNanos(), timing.get()[0], timing.get()[1],
                            warm.headersNanos());
                    return;
                }
                failure = "the warm repeat answered " + warm.status() + ": " + excerpt(warm.body());
            } else {
                failure = response.status() + (timing.isPresent() ? "" : " without Server-Timing") + ": "
                        + excerpt(response.body());
            }
        } catch (IOException | RuntimeException e) {
            failure = e.toString();
        }
        failed(series, failure, platform.logTail(30));
    }

    static String excerpt(String body) {
        return body.substring(0, Math.min(200, body.length()));
    }

    /** One spawn-to-healthy of PocketBase alone; failures are recorded in the floor's series. */
    private static void floorSample(Floor floor) {
        try (ColdStartPocketBase pocketbase = ColdStartPocketBase.spawn(floor.instanceDir())) {
            floor.series().addBoot(pocketbase.awaitHealthy());
        } catch (RuntimeException e) {
            failed(floor.series(), e.toString(), "");
        }
    }

    /** Records a failed sample; after more than 5 in one row the run stops with them and {@code log}. */
    private static void failed(ColdStartSeries series, String failure, String log) {
        series.error(failure);
        progress(series.store() + " " + series.dataset().name() + " " + series.mode() + ": sample failed: " + failure);
        if (series.errors().size() > 5) {
            throw new IllegalStateException(series.store() + " " + series.dataset().name() + " " + series.mode()
                    + ": too many failed samples: " + series.errors() + "\n" + log);
        }
    }

    private static ColdStartHttp.Response read(BenchPlatform platform, Tenant tenant) throws IOException {
        return ColdStartHttp.get(platform.gatewayPort(),
                "/api/collections/posts/records/" + tenant.dataset().recordId(),
                Map.of("Host", tenant.dataset().name() + ".localhost", "apikey", tenant.key()), REQUEST_TIMEOUT);
    }

    /** {@code [restore ms, boot ms]} from {@code restore;dur=R, boot;dur=B}, if the header is there. */
    static Optional<long[]> serverTiming(String header) {
        if (header == null) {
            return Optional.empty();
        }
        long restore = -1;
        long boot = -1;
        Matcher m = TIMING.matcher(header);
        while (m.find()) {
            switch (m.group(1)) {
                case "restore" -> restore = Long.parseLong(m.group(2));
                case "boot" -> boot = Long.parseLong(m.group(2));
                default -> { } // other metrics are not ours to judge
            }
        }
        return restore < 0 || boot < 0 ? Optional.empty() : Optional.of(new long[] {restore, boot});
    }

    private static long currentSnapshotBytes(BenchPlatform platform, String instanceId) {
        for (JsonNode backup : platform.call("GET", "/api/instances/" + instanceId + "/backups", null).get("backups")) {
            if (backup.get("current").asBoolean()) {
                return backup.get("sizeBytes").asLong();
            }
        }
        throw new IllegalStateException("instance " + instanceId + " has no current snapshot");
    }

    private static Report report(List<ColdStartSeries> series, Plan plan, double wallSeconds) {
        Report report = new Report("cold-start", "Cold start")
                .parameter("samples", plan.samples())
                .parameter("local-copy samples", plan.localSamples() + " (" + String.join("+", plan.localCopyStores())
                        + ")")
                .parameter("floor samples per store", plan.floorSamples())
                .parameter("warm-up cycles", plan.warmup())
                .parameter("stores", String.join("+", plan.stores()))
                .parameter("wall time s", Math.round(wallSeconds))
                .columns("store", "data", "mode", "n", "errors", "TTFB p50", "TTFB p90", "TTFB p99",
                        "restore p50", "restore p90", "restore p99", "boot p50", "boot p90", "boot p99",
                        "other p50", "warm p50", "snapshot MB");
        series.forEach(s -> report.row(s.row()));
        for (ColdStartSeries s : series) {
            if (s.mode().equals(FLOOR)) {
                continue;
            }
            String what = s.store() + ", " + s.dataset().name() + " (" + Stats.round(s.snapshotBytes() / 1e6)
                    + " MB snapshot), " + s.mode();
            if (s.mode().equals(LOCAL_COPY)) {
                report.finding(judge(what + ": TTFB p50", s.ttfb().quantile(0.5), WAKE_P50_TARGET));
            } else if (s.dataset().name().equals("tiny")) {
                report.finding(judge(what + ": TTFB p50", s.ttfb().quantile(0.5), SMALL_RESTORE_P50_TARGET)
                        + "; " + judge("p99", s.ttfb().quantile(0.99), SMALL_RESTORE_P99_TARGET)
                        + " (the targets are for ~1 MB)");
            } else {
                report.finding(judge(what + ": TTFB p50", s.ttfb().quantile(0.5), LARGE_RESTORE_P50_TARGET)
                        + " (the target is for 50-100 MB)");
            }
        }
        for (ColdStartSeries floor : series) {
            if (!floor.mode().equals(FLOOR)) {
                continue;
            }
            double floorP50 = floor.boot().quantile(0.5);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "%s: bare PocketBase boots in %.1f ms (p50); our boot p50 adds", floor.dataset().name(), floorP50));
            for (ColdStartSeries s : series) {
                if (s.dataset() == floor.dataset() && !s.mode().equals(FLOOR)) {
                    line.append(String.format(Locale.ROOT, " %+.1f ms (%s store, %s),",
                            s.boot().quantile(0.5) - floorP50, s.store(), s.mode()));
                }
            }
            line.setLength(line.length() - 1);
            report.finding(line.toString());
        }
        for (ColdStartSeries s : series) {
            if (s.mode().equals(RESTORE)) {
                report.finding(String.format(Locale.ROOT, "%s, %s: each cycle's stop, with its save, took %.0f ms (p50)",
                        s.store(), s.dataset().name(), s.stop().quantile(0.5)));
            }
        }
        int errors = series.stream().mapToInt(s -> s.errors().size()).sum();
        report.finding(errors == 0 ? "every sample answered 200 with a Server-Timing header (no errors)"
                : errors + " samples failed; their descriptions are in the JSON");
        report.extra("samples", series.stream().map(ColdStartSeries::samples).toList());
        report.extra("data_sets_pb_data_bytes", series.stream().filter(s -> s.mode().equals(FLOOR))
                .collect(Collectors.toMap(s -> s.dataset().name(), s -> s.dataset().bytes())));
        return report;
    }

    private static String judge(String what, double measured, double target) {
        return String.format(Locale.ROOT, "%s %.1f ms against ≤ %.0f ms: %s", what, measured, target,
                measured <= target ? "met" : String.format(Locale.ROOT, "missed by %.1f ms", measured - target));
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static void progress(String line) {
        System.err.println("cold-start: " + line);
    }
}
