package dev.picobase.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.picobase.core.io.FileTrees;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.runtime.InstanceDirectories;
import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.snapshot.Snapshots;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Many tenants: {@code --instances} (10,000) registered, {@code --awake} (200) of them running
 * under mixed traffic. Measures the platform JVM (gateway, control API and lifecycle in one
 * process) against the target of at most 256 MB of heap: it runs with {@code -Xmx} set to
 * {@code --heap} (256m), so finishing without an OutOfMemoryError with every request answered
 * meets the target; the live heap (used after {@code jcmd GC.run}), committed heap and RSS are
 * recorded after start with every tenant registered and none awake, after waking the awake set,
 * and after the traffic. Also: how long the platform takes to start with that many tenants (its
 * {@code reconcile} and route-table load), to wake the awake set, and to shut down (which saves
 * every running instance), and the total RSS of the PocketBase processes for context.
 *
 * <p>Set-up, kept out of the measured platform run: a first platform run creates one template
 * tenant ({@code t00000}, with a {@code posts} collection and one record) and stops it, which saves
 * its snapshot. The other tenants are then written straight into that platform's metadata database
 * with {@link MetadataStore} (one row each; keys, with bcrypt hashes computed in parallel, only for
 * the awake ones). Each awake tenant gets a copy of the template's {@code pb_data}, a snapshot row
 * of its own pointing at the template's archive, and the snapshot marker beside its copy, so that
 * at start {@code reconcile} finds its local copy saved rather than dirty (no re-save of hundreds of
 * copies) and its wake is a boot of an already-migrated database (no 2-second first boot, no
 * restore). Sharing one archive is safe here: nothing deletes it within the run (retention prunes
 * only beyond five snapshots of one tenant).
 *
 * <p>Traffic: {@code wrk -t2 -c<--connections> -d<--seconds>s} with {@code bench/scripts/many-tenants.lua},
 * which rotates Host and apikey over the awake tenants on every request and alternates
 * {@code /api/health} with a read of the record; after a {@code --warmup-seconds} run of the same.
 * No request goes to a sleeping tenant: that would cold-start it and grow the awake set, which the
 * herd and cold-start benchmarks measure. Route lookup cost is left to the JMH benchmark of the
 * route table; here it is inside every request's latency.
 */
public final class ManyTenantsBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMAIL = "tenants@example.com";
    private static final String PASSWORD = "benchmark-password";

    private ManyTenantsBench() {}

    /** A tenant traffic goes to: its subdomain and API key. */
    private record Tenant(String id, String subdomain, String key) {}

    public static void run(Bench.Options options) throws IOException, InterruptedException {
        int instances = options.integer("instances", 10_000);
        int awake = Math.min(instances, options.integer("awake", 200));
        String heap = options.text("heap", "256m");
        int seconds = options.integer("seconds", 20);
        int warmupSeconds = options.integer("warmup-seconds", 5);
        int connections = options.integer("connections", 100);
        int wakeParallel = options.integer("wake-parallel", 4);
        // Away from the 21000 other benchmarks use: a PocketBase of another platform on a port would pass our
        // platform's health probe and answer our requests.
        Map<String, String> env = Map.of("INSTANCES_BASE_PORT", options.text("instances-base-port", "27000"));
        Report report = new Report("many-tenants", "Many tenants: " + instances + " registered, " + awake + " awake")
                .parameter("instances", instances).parameter("awake", awake).parameter("-Xmx", heap)
                .parameter("wrk", "-t2 -c" + connections + " -d" + seconds + "s")
                .columns("phase", "seconds", "live heap MiB", "heap committed MiB", "platform RSS MiB",
                        "platform threads", "PocketBase processes", "PocketBase RSS MiB", "req/s", "p50 ms", "p99 ms", "errors");
        Path dir = Files.createTempDirectory("picobase-tenants");
        Path platformDir = dir.resolve("platform");
        try {
            Template template = template(platformDir, env);
            Path data = platformDir.resolve("data");
            long t0 = System.nanoTime();
            List<Tenant> tenants = register(data, template, instances, awake);
            report.row(phase("register " + instances + " (metadata written directly, " + awake + " keys and copies)",
                    t0, null));

            t0 = System.nanoTime();
            BenchPlatform platform = BenchPlatform.start(platformDir, env, List.of("-Xmx" + heap));
            try {
                Map<String, Object> started = phase("platform start with " + instances + " registered", t0, platform);
                started.put("instances re-saved at start", countLog(platformDir, "saving it now"));
                report.row(started);

                // In two halves: what the second half adds is what an awake instance costs, apart from the
                // bounded pools (lifecycle, snapshot I/O) that grow to their size during the first wakes.
                int half = awake / 2;
                int awakeNow = 0;
                for (List<Tenant> part : List.of(tenants.subList(0, half), tenants.subList(half, awake))) {
                    t0 = System.nanoTime();
                    double coldBefore = platform.metric("picobase_cold_starts_total");
                    wake(platform, part, wakeParallel);
                    awakeNow += part.size();
                    Map<String, Object> woken = phase("wake " + part.size() + " (" + wakeParallel
                            + " at a time), " + awakeNow + " awake", t0, platform);
                    woken.put("cold starts", (long) (platform.metric("picobase_cold_starts_total") - coldBefore));
                    woken.put("mean boot ms", Math.round(1000 * platform.metric("picobase_cold_start_seconds_sum",
                            "phase=\"boot\"") / platform.metric("picobase_cold_start_seconds_count", "phase=\"boot\"")));
                    report.row(woken);
                }

                Path tenantsFile = dir.resolve("tenants.txt");
                Files.write(tenantsFile, tenants.stream().map(t -> t.subdomain() + " " + t.key()).toList());
                if (warmupSeconds > 0) {
                    wrk(platform, tenantsFile, template.recordId(), connections, warmupSeconds);
                }
                t0 = System.nanoTime();
                JsonNode traffic = wrk(platform, tenantsFile, template.recordId(), connections, seconds);
                Map<String, Object> loaded = phase("mixed traffic over the " + awake + " awake", t0, platform);
                loaded.put("req/s", Math.round(traffic.get("rps").asDouble()));
                loaded.put("p50 ms", Stats.round(traffic.get("p50_us").asDouble() / 1000));
                loaded.put("p99 ms", Stats.round(traffic.get("p99_us").asDouble() / 1000));
                loaded.put("errors", traffic.get("errors").asLong() + traffic.get("non2xx").asLong());
                loaded.put("wrk", traffic);
                report.row(loaded);
                report.extra("metrics after traffic", platform.metrics());
            } finally {
                t0 = System.nanoTime();
                platform.close();
                report.row(phase("shutdown (saves the " + awake + " running)", t0, null));
            }
            report.extra("out of memory errors", countLog(platformDir, "OutOfMemoryError"));
            findings(report, heap, awake, countLog(platformDir, "OutOfMemoryError"));
            report.write(options.results());
        } finally {
            FileTrees.delete(dir);
        }
    }

    /** The template tenant: its id, key, record and current snapshot. */
    private record Template(String userId, String instanceId, String key, String recordId, Snapshot snapshot) {}

    /** A platform run that creates {@code t00000} with its record and stops it (saving its snapshot). */
    private static Template template(Path platformDir, Map<String, String> env) {
        String id;
        String key;
        String recordId;
        try (BenchPlatform platform = BenchPlatform.start(platformDir, env, List.of())) {
            platform.signUp(EMAIL, PASSWORD);
            id = platform.createInstance(subdomain(0));
            key = platform.createKey(id);
            recordId = new HerdPocketBase(platform.gatewayPort(), subdomain(0), key).seedRecord();
            platform.stop(id);
        }
        try (MetadataStore store = openStore(platformDir.resolve("data"))) {
            return new Template(store.findCredentials(EMAIL).orElseThrow().user().id(), id, key, recordId,
                    store.latestSnapshot(id).orElseThrow(() -> new IllegalStateException("the template has no snapshot")));
        }
    }

    /** The platform's own metadata database ({@code PICOBASE_DATA_DIR/picobase.db}). */
    private static MetadataStore openStore(Path data) {
        return MetadataStore.open(new SqliteFileBackend(data.resolve("picobase.db")), Clock.systemUTC());
    }

    private static String subdomain(int i) {
        return String.format("t%05d", i);
    }

    /**
     * Registers tenants 1 to {@code instances - 1} (the template is tenant 0) and prepares the first
     * {@code awake} (the template among them) to wake from a saved local copy; returns the awake ones.
     */
    private static List<Tenant> register(Path data, Template template, int instances, int awake) throws IOException {
        InstanceDirectories directories = new InstanceDirectories(data);
        Passwords passwords = new Passwords(10);
        List<ApiKeySecret> secrets = Stream.generate(ApiKeySecret::generate).limit(awake - 1L).toList();
        List<String> hashes = secrets.parallelStream().map(s -> passwords.hash(s.secret())).toList();
        List<Tenant> tenants = new ArrayList<>();
        tenants.add(new Tenant(template.instanceId(), subdomain(0), template.key()));
        try (MetadataStore store = openStore(data)) {
            for (int i = 1; i < instances; i++) {
                String id = store.createInstance(template.userId(), subdomain(i), subdomain(i)).orElseThrow().id();
                if (i < awake) {
                    ApiKeySecret secret = secrets.get(i - 1);
                    store.createApiKey(id, secret.publicId(), "bench", hashes.get(i - 1), secret.lastFour());
                    Snapshot own = new Snapshot("snp_" + Tokens.randomId(16), id, template.snapshot().objectKey(),
                            template.snapshot().sha256(), template.snapshot().sizeBytes(), template.snapshot().createdAt());
                    store.insertSnapshot(own);
                    store.pointToSnapshot(id, own.id());
                    copyTree(directories.pbData(template.instanceId()), directories.pbData(id));
                    Files.writeString(directories.instanceDir(id).resolve(Snapshots.MARKER), own.id());
                    tenants.add(new Tenant(id, subdomain(i), secret.fullKey()));
                }
            }
        }
        return tenants;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    /** One request per awake tenant through the gateway, {@code parallel} at a time; each must answer 200. */
    private static void wake(BenchPlatform platform, List<Tenant> tenants, int parallel) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (Tenant t : tenants) {
                statuses.add(pool.submit(() -> new HerdPocketBase(platform.gatewayPort(), t.subdomain(), t.key())
                        .status("/api/health")));
            }
            for (int i = 0; i < tenants.size(); i++) {
                int status = statuses.get(i).get();
                if (status != 200) {
                    throw new IllegalStateException("waking " + tenants.get(i).subdomain() + " answered " + status
                            + ":\n" + platform.logTail(20));
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("waking a tenant failed", e.getCause());
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Runs wrk with the many-tenants script; returns its JSON summary line. */
    private static JsonNode wrk(BenchPlatform platform, Path tenantsFile, String recordId, int connections, int seconds)
            throws IOException, InterruptedException {
        Path script = BenchPlatform.repoFile("bench/scripts/many-tenants.lua");
        List<String> command = List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--timeout", "10s",
                "-s", script.toString(), "http://127.0.0.1:" + platform.gatewayPort() + "/", "--",
                tenantsFile.toString(), recordId);
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
        String last = output.strip().lines().reduce((a, b) -> b).orElse("");
        if (!last.startsWith("{")) {
            throw new IllegalStateException("no summary from wrk:\n" + output);
        }
        return JSON.readTree(last);
    }

    /**
     * A row for a phase that began at {@code began}: its duration and, with a running platform, its
     * live heap, committed heap and RSS, and the PocketBase processes under its data directory.
     */
    private static Map<String, Object> phase(String name, long began, BenchPlatform platform) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("phase", name);
        row.put("seconds", Stats.round((System.nanoTime() - began) / 1e9));
        if (platform != null) {
            row.put("live heap MiB", HerdJvm.mib(HerdJvm.liveHeapBytes(platform)));
            row.put("heap committed MiB", HerdJvm.mib(HerdJvm.heapCommittedBytes(platform)));
            row.put("platform RSS MiB", HerdJvm.mib(platform.rssBytes()));
            row.put("platform threads", (long) platform.metric("jvm_threads_live_threads"));
            String dataDir = platform.dataDir().toString();
            long[] pids = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(c -> c.contains(dataDir)).orElse(false))
                    .mapToLong(ProcessHandle::pid).toArray();
            row.put("PocketBase processes", pids.length);
            row.put("PocketBase RSS MiB", HerdJvm.mib(IntStream.range(0, pids.length)
                    .mapToLong(i -> Math.max(0, Environment.rssBytes(pids[i]))).sum()));
        }
        return row;
    }

    private static long countLog(Path platformDir, String text) {
        try (Stream<String> lines = Files.lines(platformDir.resolve("platform.log"))) {
            return lines.filter(l -> l.contains(text)).count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the platform log", e);
        }
    }

    private static double number(Map<String, Object> row, String column) {
        return ((Number) row.get(column)).doubleValue();
    }

    private static double perInstance(Map<String, Object> from, Map<String, Object> to, String column, int instances) {
        return (number(to, column) - number(from, column)) / instances;
    }

    private static void findings(Report report, String heap, int awake, long outOfMemory) {
        List<Map<String, Object>> rows = report.rows();
        double maxLive = rows.stream().filter(r -> r.get("live heap MiB") != null)
                .mapToDouble(r -> ((Number) r.get("live heap MiB")).doubleValue()).max().orElse(Double.NaN);
        double maxCommitted = rows.stream().filter(r -> r.get("heap committed MiB") != null)
                .mapToDouble(r -> ((Number) r.get("heap committed MiB")).doubleValue()).max().orElse(Double.NaN);
        Map<String, Object> traffic = rows.stream().filter(r -> r.get("req/s") != null).findFirst().orElseThrow();
        long errors = ((Number) traffic.get("errors")).longValue();
        boolean met = outOfMemory == 0 && errors == 0;
        report.finding(String.format("heap: ran with -Xmx%s, %s; live heap at most %.1f MiB, committed at most %.1f MiB "
                        + "(target at most 256 MB with these tenants: %s)", heap,
                outOfMemory == 0 ? "no OutOfMemoryError" : outOfMemory + " OutOfMemoryError lines in the log",
                maxLive, maxCommitted, met ? "met" : "missed"));
        report.finding(String.format("traffic: %s req/s, p50 %s ms, p99 %s ms, %d errors (connect/read/timeouts "
                + "and non-2xx)", traffic.get("req/s"), traffic.get("p50 ms"), traffic.get("p99 ms"), errors));
        Map<String, Object> start = rows.get(1);
        Map<String, Object> half = rows.get(2);
        Map<String, Object> woken = rows.get(3);
        int firstHalf = awake / 2;
        report.finding(String.format("platform start with every tenant registered: %s s (%s instances re-saved by "
                + "reconcile)", start.get("seconds"), start.get("instances re-saved at start")));
        report.finding(String.format("per awake instance: %.0f KiB more live heap and %.2f more platform threads "
                        + "(after waking %d vs. after start); the second %d woken added %.2f threads each (target "
                        + "at most 1.1: %s), the first %d %.2f, with the bounded pools growing to their size; mean "
                        + "boot %s ms",
                (number(woken, "live heap MiB") - number(start, "live heap MiB")) * 1024 / awake,
                (number(woken, "platform threads") - number(start, "platform threads")) / awake, awake,
                awake - firstHalf, perInstance(half, woken, "platform threads", awake - firstHalf),
                perInstance(half, woken, "platform threads", awake - firstHalf) <= 1.1 ? "met" : "missed",
                firstHalf, perInstance(start, half, "platform threads", firstHalf), woken.get("mean boot ms")));
        report.finding("route lookup cost: not measured here (the JMH benchmark of the route table does); it is "
                + "inside the latency above");
    }
}
