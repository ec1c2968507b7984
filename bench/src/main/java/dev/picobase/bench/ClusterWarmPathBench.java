package dev.picobase.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.picobase.bench.relay.DelayRelay;
import dev.picobase.bench.relay.RelayedRequest;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.Balancer;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.S3ProxyServer;
import dev.picobase.testsupport.SqldServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Cluster warm path ({@code cluster-warm-path}): what one hop between nodes adds to a request. Two
 * nodes, {@code node-a} and {@code node-b}, run as {@code ./picobase up} runs them (each its own JVM
 * and data directory, its gateway address as {@code PICOBASE_NODE_ADDRESS}, one cluster secret) on one
 * real {@code sqld} and one S3Proxy bucket. One instance (the cold-start benchmark's tiny data set,
 * one record) is started through node a, which takes its lease; node b then forwards its requests to
 * a, one hop.
 *
 * <p>Latency is measured closed-loop: one keep-alive connection per node, one request at a time
 * ({@link KeepAliveClient}), {@code --samples} (default 5,000) of each of {@code /api/health} and a
 * small record read with the instance's key, sent to a (the owner) and to b (forwarded), after
 * {@code --warmup} (default 2,000) unrecorded ones; a and b alternate in {@code --rounds} (default 10)
 * batches, so noise falls on both alike. "Added" is forwarded minus owner at the same percentile.
 * Every answer must be 200; b's {@code picobase_forwarded_requests_total} must have grown by the
 * number of requests sent to b (read by scrape), or the run fails.
 *
 * <p>sqld is reached through a {@link DelayRelay} (0 ms) that counts the metadata requests sent while
 * each batch ran: per request, after leaving out background work ({@link BackgroundStatements}), they
 * show whether a path touches the metadata database. A short run then repeats the health request
 * {@code --far-samples} (default 100) times each way with the relay at {@code --delay-ms} (default 15)
 * each way, a Turso database in another region: whatever a path asks the database costs 30 ms there.
 *
 * <p>Throughput: {@code wrk -t2 -c16} on {@code /api/health} for {@code --wrk-seconds} (default 5)
 * against each node (0 skips it). On two cores wrk, both gateways and PocketBase share the CPU, so this
 * compares the two paths with each other, nothing more.
 *
 * <p>Behind nginx ({@code --nginx-requests}, default 300; 0 skips it): the shipped
 * {@code config/nginx-cluster.conf} ({@link Balancer}) with its {@code hash $host consistent},
 * and the same without it (round-robin), each in front of both nodes with {@code --nginx-tenants}
 * (default 3; odd, so round-robin does not send each tenant to the same node every time) new instances
 * woken through nginx, then requests rotating over them on one keep-alive connection: the share of
 * requests that went a hop (the nodes' forwarded counters, by scrape) and their latency.
 *
 * <p>About 1.5 minutes with the defaults.
 */
public final class ClusterWarmPathBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OWNER = "owner (node a)";
    private static final String FORWARDED = "forwarded (node b → a)";
    private static final double ADDED_P99_TARGET_MS = 0.5;

    private ClusterWarmPathBench() {}

    private record Plan(int samples, int warmup, int rounds, int farSamples, Duration oneWay, int wrkSeconds,
                        int nginxRequests, int nginxTenants) {}

    /** Latencies and metadata requests of one path (owner or forwarded) for one endpoint at one distance. */
    private static final class Series {
        final String path;
        final String endpoint;
        final String metadata;
        final List<Long> nanos = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        final Map<String, Integer> statements = new TreeMap<>();
        int ownRequests;

        Series(String path, String endpoint, String metadata) {
            this.path = path;
            this.endpoint = endpoint;
            this.metadata = metadata;
        }

        Stats millis() {
            return Stats.ofMillis(nanos.stream().mapToLong(Long::longValue).toArray());
        }

        double perRequest() {
            return nanos.isEmpty() ? Double.NaN : (double) ownRequests / nanos.size();
        }
    }

    /** One node of the pair, with the client kept open to its gateway. */
    private record Node(String name, BenchPlatform platform) {}

    public static void run(Bench.Options options) throws IOException, InterruptedException {
        Plan plan = new Plan(options.integer("samples", 5000), options.integer("warmup", 2000),
                options.integer("rounds", 10), options.integer("far-samples", 100),
                Duration.ofMillis(options.integer("delay-ms", 15)), options.integer("wrk-seconds", 5),
                options.integer("nginx-requests", 300), options.integer("nginx-tenants", 3));
        if (plan.nginxRequests() > 0) {
            Balancer.requireInstalled();
        }
        long began = System.nanoTime();
        Path work = Files.createTempDirectory("picobase-cluster-warm-path-");
        Report report = new Report("cluster-warm-path", "Cluster warm path: the cost of one hop");
        try {
            progress("building the data set in " + work);
            ColdStartDataset tiny = ColdStartDataset.build("tiny", work.resolve("templates/tiny"), 0, 0);
            Files.createDirectories(work.resolve("sqld"));
            String secret = HexFormat.of().formatHex(randomBytes(32));
            try (SqldServer sqld = SqldServer.start(work.resolve("sqld"));
                 DelayRelay relay = DelayRelay.start(ColdStartFarBench.address(sqld.url()), Duration.ZERO);
                 S3ProxyServer s3 = S3ProxyServer.start(work.resolve("s3proxy"));
                 BenchPlatform a = node(work, "node-a", 21000, relay, s3, secret);
                 BenchPlatform b = node(work, "node-b", 23000, relay, s3, secret)) {
                a.signUp("bench@example.com", "benchmark-password");
                String id = a.createInstance("hop");
                tiny.copyTo(a.pbData(id));
                String key = a.createKey(id);
                a.start(id); // node a takes the lease
                Node owner = new Node("a", a);
                Node other = new Node("b", b);
                Map<String, String> headers = Map.of("Host", "hop.localhost", "apikey", key);
                Map<String, byte[]> endpoints = new LinkedHashMap<>();
                endpoints.put("health", KeepAliveClient.get("/api/health", headers));
                endpoints.put("record", KeepAliveClient.get("/api/collections/posts/records/" + tiny.recordId(),
                        headers));
                checkBothAnswer(owner, other, endpoints.get("record"), tiny.recordId());
                progress(String.format(Locale.ROOT, "two nodes up, the instance runs on a (%.0f s); sampling",
                        seconds(began)));

                List<Series> series = new ArrayList<>();
                double forwardedBefore = b.metric("picobase_forwarded_requests_total");
                int sentToB = 0;
                String near = "sqld near (relay, 0 ms)";
                for (Map.Entry<String, byte[]> e : endpoints.entrySet()) {
                    Series viaOwner = new Series(OWNER, e.getKey(), near);
                    Series viaHop = new Series(FORWARDED, e.getKey(), near);
                    sentToB += closedLoop(relay, owner, other, e.getValue(), plan.samples(), plan.warmup(),
                            plan.rounds(), viaOwner, viaHop);
                    series.add(viaOwner);
                    series.add(viaHop);
                    progress(String.format(Locale.ROOT, "%s done (%.0f s)", e.getKey(), seconds(began)));
                }
                if (plan.farSamples() > 0) {
                    relay.delay(plan.oneWay());
                    String far = "sqld " + 2 * plan.oneWay().toMillis() + " ms RTT away";
                    Series viaOwner = new Series(OWNER, "health", far);
                    Series viaHop = new Series(FORWARDED, "health", far);
                    sentToB += closedLoop(relay, owner, other, endpoints.get("health"), plan.farSamples(),
                            Math.min(10, plan.farSamples()), 1, viaOwner, viaHop);
                    relay.delay(Duration.ZERO);
                    series.add(viaOwner);
                    series.add(viaHop);
                    progress(String.format(Locale.ROOT, "far sqld done (%.0f s)", seconds(began)));
                }
                double forwarded = b.metric("picobase_forwarded_requests_total") - forwardedBefore;
                if (forwarded < sentToB) {
                    throw new IllegalStateException("node b counted " + forwarded + " forwarded requests of the " + sentToB
                            + " sent to it: some were not forwarded, so the figures are not a hop's");
                }
                List<Map<String, Object>> wrkRows = new ArrayList<>();
                if (plan.wrkSeconds() > 0) {
                    wrkRows.add(wrk(OWNER, a, headers, plan.wrkSeconds()));
                    wrkRows.add(wrk(FORWARDED, b, headers, plan.wrkSeconds()));
                    progress(String.format(Locale.ROOT, "wrk done (%.0f s)", seconds(began)));
                }
                List<Map<String, Object>> nginxRows = new ArrayList<>();
                if (plan.nginxRequests() > 0) {
                    for (boolean hash : new boolean[] {true, false}) {
                        nginxRows.add(behindNginx(work.resolve(hash ? "nginx-hash" : "nginx-rr"), a, b, hash, plan));
                    }
                    progress(String.format(Locale.ROOT, "nginx done (%.0f s)", seconds(began)));
                }
                MetadataRoundTrip.Calibration calibration = MetadataRoundTrip.calibrate(sqld.url(), relay,
                        plan.oneWay());
                fill(report, plan, series, wrkRows, nginxRows, forwarded, sentToB, relay, calibration);
            }
        } finally {
            FileTrees.delete(work);
        }
        report.parameter("wall time s", Math.round(seconds(began)));
        report.write(options.results());
    }

    /** Starts cluster node {@code id} on the relay to sqld and the bucket, its gateway address on loopback. */
    static BenchPlatform node(Path work, String id, int instancesBasePort, DelayRelay relay, S3ProxyServer s3,
                                      String secret) {
        int gateway = FreePorts.next();
        Map<String, String> env = new HashMap<>(s3.environment());
        env.put("TURSO_DATABASE_URL", relay.url());
        env.put("PICOBASE_NODE_ID", id);
        env.put("PICOBASE_GATEWAY_PORT", Integer.toString(gateway));
        env.put("PICOBASE_NODE_ADDRESS", "127.0.0.1:" + gateway);
        env.put("PICOBASE_CLUSTER_SECRET", secret);
        env.put("INSTANCES_BASE_PORT", Integer.toString(instancesBasePort));
        return BenchPlatform.start(work.resolve(id), env, List.of());
    }

    /** The record through both nodes: 200 with the record, and node b's forwarded counter moved. */
    private static void checkBothAnswer(Node owner, Node other, byte[] request, String recordId) throws IOException {
        double before = other.platform().metric("picobase_forwarded_requests_total");
        for (Node node : List.of(owner, other)) {
            try (KeepAliveClient client = new KeepAliveClient(node.platform().gatewayPort())) {
                KeepAliveClient.Response r = client.send(request);
                if (r.status() != 200 || !r.body().contains(recordId)) {
                    throw new IllegalStateException("the record through node " + node.name() + " answered " + r.status()
                            + ": " + r.body() + "\n" + node.platform().logTail(30));
                }
            }
        }
        if (other.platform().metric("picobase_forwarded_requests_total") - before < 1) {
            throw new IllegalStateException("node b answered without forwarding: it runs the instance itself");
        }
    }

    /**
     * {@code warmup} unrecorded requests to each node, then {@code samples} recorded ones to each in
     * {@code rounds} alternating batches; returns how many were sent to {@code other} (all forwarded).
     */
    private static int closedLoop(DelayRelay relay, Node owner, Node other, byte[] request, int samples, int warmup,
                                  int rounds, Series viaOwner, Series viaHop) throws IOException {
        try (KeepAliveClient toOwner = new KeepAliveClient(owner.platform().gatewayPort());
             KeepAliveClient toOther = new KeepAliveClient(other.platform().gatewayPort())) {
            for (int i = 0; i < warmup; i++) {
                toOwner.send(request);
                toOther.send(request);
            }
            int perBatch = Math.max(1, samples / rounds);
            for (int round = 0; round < rounds; round++) {
                boolean ownerFirst = round % 2 == 0;
                batch(relay, ownerFirst ? toOwner : toOther, request, perBatch, ownerFirst ? viaOwner : viaHop);
                batch(relay, ownerFirst ? toOther : toOwner, request, perBatch, ownerFirst ? viaHop : viaOwner);
            }
            return warmup + perBatch * rounds;
        }
    }

    private static void batch(DelayRelay relay, KeepAliveClient client, byte[] request, int n, Series series) {
        long from = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try {
                KeepAliveClient.Response r = client.send(request);
                if (r.status() == 200) {
                    series.nanos.add(r.nanos());
                } else {
                    error(series, r.status() + ": " + r.body());
                }
            } catch (IOException e) {
                error(series, e.toString());
            }
        }
        List<RelayedRequest> own = BackgroundStatements.own(relay.requestsBetween(from, System.nanoTime()),
                relay.requests());
        series.ownRequests += own.size();
        own.forEach(r -> series.statements.merge(r.label(), 1, Integer::sum));
    }

    private static void error(Series series, String what) {
        series.errors.add(what);
        if (series.errors.size() > 10) {
            throw new IllegalStateException(series.path + " " + series.endpoint + ": too many errors: " + series.errors);
        }
    }

    /** {@code wrk -t2 -c16} on the health endpoint through {@code node}: a JSON summary as report.lua prints it. */
    private static Map<String, Object> wrk(String path, BenchPlatform node, Map<String, String> headers, int seconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c16", "-d" + seconds + "s", "--timeout", "10s",
                "-s", BenchPlatform.repoFile("bench/scripts/report.lua").toString()));
        headers.forEach((k, v) -> {
            command.add("-H");
            command.add(k + ": " + v);
        });
        command.add("http://127.0.0.1:" + node.gatewayPort() + "/api/health");
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0) {
            throw new IllegalStateException("wrk failed:\n" + output);
        }
        String last = output.strip().lines().reduce((x, y) -> y).orElse("");
        if (!last.startsWith("{")) {
            throw new IllegalStateException("no summary from wrk:\n" + output);
        }
        JsonNode summary = JSON.readTree(last);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("path", path);
        row.put("endpoint", "health");
        row.put("metadata", "sqld near (relay, 0 ms)");
        row.put("client", "wrk -t2 -c16 -d" + seconds + "s");
        row.put("n", summary.get("requests").asLong());
        row.put("errors", summary.get("errors").asLong() + summary.get("non2xx").asLong());
        row.put("p50 ms", Stats.round(summary.get("p50_us").asDouble() / 1000));
        row.put("p90 ms", Stats.round(summary.get("p90_us").asDouble() / 1000));
        row.put("p99 ms", Stats.round(summary.get("p99_us").asDouble() / 1000));
        row.put("p99.9 ms", Stats.round(summary.get("p999_us").asDouble() / 1000));
        row.put("req/s", Math.round(summary.get("rps").asDouble()));
        return row;
    }

    /**
     * nginx with the shipped config (or round-robin) in front of both nodes: new tenants woken through
     * it, then requests rotating over them; the share forwarded and the latency.
     */
    private static Map<String, Object> behindNginx(Path dir, BenchPlatform a, BenchPlatform b, boolean hash, Plan plan)
            throws IOException {
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0; i < plan.nginxTenants(); i++) {
            String subdomain = (hash ? "hash-tenant-" : "round-robin-tenant-") + i;
            String id = a.createInstance(subdomain);
            requests.add(KeepAliveClient.get("/api/health",
                    Map.of("Host", subdomain + ".localhost", "apikey", a.createKey(id))));
        }
        Series series = new Series(hash ? "nginx, shipped hash $host consistent" : "nginx, round-robin", "health",
                "sqld near (relay, 0 ms)");
        double forwarded;
        try (Balancer nginx = Balancer.start(dir, List.of(a.gatewayPort(), b.gatewayPort()), hash);
             KeepAliveClient client = new KeepAliveClient(nginx.port())) {
            for (byte[] request : requests) { // wakes each tenant on the node nginx sends its first request to
                KeepAliveClient.Response r = client.send(request);
                if (r.status() != 200) {
                    throw new IllegalStateException("waking a tenant through nginx answered " + r.status() + ": " + r.body());
                }
            }
            double before = a.metric("picobase_forwarded_requests_total") + b.metric("picobase_forwarded_requests_total");
            for (int i = 0; i < plan.nginxRequests(); i++) {
                try {
                    KeepAliveClient.Response r = client.send(requests.get(i % requests.size()));
                    if (r.status() == 200) {
                        series.nanos.add(r.nanos());
                    } else {
                        error(series, r.status() + ": " + r.body());
                    }
                } catch (IOException e) {
                    error(series, e.toString());
                }
            }
            forwarded = a.metric("picobase_forwarded_requests_total") + b.metric("picobase_forwarded_requests_total")
                    - before;
        }
        Map<String, Object> row = latencyRow(series);
        row.put("client", "1 connection to nginx, " + plan.nginxTenants() + " tenants in turn");
        row.put("forwarded", String.format(Locale.ROOT, "%.0f of %d (%.0f %%)", forwarded, plan.nginxRequests(),
                100 * forwarded / plan.nginxRequests()));
        return row;
    }

    private static Map<String, Object> latencyRow(Series s) {
        Stats ms = s.millis();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("path", s.path);
        row.put("endpoint", s.endpoint);
        row.put("metadata", s.metadata);
        row.put("client", "closed loop, 1 keep-alive connection");
        row.put("n", ms.count());
        row.put("errors", s.errors.size());
        row.put("p50 ms", round2(ms.quantile(0.5)));
        row.put("p90 ms", round2(ms.quantile(0.9)));
        row.put("p99 ms", round2(ms.quantile(0.99)));
        row.put("p99.9 ms", round2(ms.quantile(0.999)));
        return row;
    }

    private static void fill(Report report, Plan plan, List<Series> series, List<Map<String, Object>> wrkRows,
                             List<Map<String, Object>> nginxRows, double forwarded, int sentToB, DelayRelay relay,
                             MetadataRoundTrip.Calibration calibration) {
        report.parameter("samples per path and endpoint", plan.samples())
                .parameter("warm-up", plan.warmup())
                .parameter("rounds", plan.rounds())
                .parameter("far samples", plan.farSamples())
                .parameter("far relay delay each way ms", plan.oneWay().toMillis())
                .columns("path", "endpoint", "metadata", "client", "n", "errors", "p50 ms", "p90 ms", "p99 ms",
                        "p99.9 ms", "metadata requests per request", "req/s", "forwarded");
        for (Series s : series) {
            Map<String, Object> row = latencyRow(s);
            row.put("metadata requests per request", round2(s.perRequest()));
            report.row(row);
        }
        wrkRows.forEach(report::row);
        nginxRows.forEach(report::row);
        for (int i = 0; i + 1 < series.size(); i += 2) {
            Series owner = series.get(i);
            Series hop = series.get(i + 1);
            double added50 = hop.millis().quantile(0.5) - owner.millis().quantile(0.5);
            double added99 = hop.millis().quantile(0.99) - owner.millis().quantile(0.99);
            report.finding(String.format(Locale.ROOT,
                    "%s, %s: one hop adds %.2f ms at p50 (%.2f → %.2f) and %.2f ms at p99 (%.2f → %.2f) against ≤ %.1f ms "
                            + "p99: %s", owner.endpoint, owner.metadata, added50, owner.millis().quantile(0.5),
                    hop.millis().quantile(0.5), added99, owner.millis().quantile(0.99), hop.millis().quantile(0.99),
                    ADDED_P99_TARGET_MS, added99 <= ADDED_P99_TARGET_MS ? "met"
                            : String.format(Locale.ROOT, "missed by %.2f ms", added99 - ADDED_P99_TARGET_MS)));
        }
        Series nearOwner = series.get(0);
        Series nearHop = series.get(1);
        if (nearHop.perRequest() > 0) {
            double metadataMs = nearHop.perRequest() * calibration.nearP50Ms();
            double added50 = nearHop.millis().quantile(0.5) - nearOwner.millis().quantile(0.5);
            report.finding(String.format(Locale.ROOT, "%s, %s: of the %.2f ms a hop adds at p50, its %.2f metadata "
                    + "round trips per request account for about %.2f ms (× %.2f ms, a round trip's p50 through the "
                    + "relay at 0 ms); the rest, about %.2f ms, is the hop itself (an estimate, not a measurement)",
                    nearHop.endpoint, nearHop.metadata, added50, nearHop.perRequest(), metadataMs,
                    calibration.nearP50Ms(), added50 - metadataMs));
        }
        for (Series s : series) {
            if (!s.statements.isEmpty()) {
                report.finding(String.format(Locale.ROOT, "%s, %s, %s: %.2f metadata requests per request: %s",
                        s.path, s.endpoint, s.metadata, s.perRequest(), s.statements.entrySet().stream()
                                .map(e -> e.getValue() + "× " + e.getKey()).collect(Collectors.joining("; "))));
            }
        }
        if (wrkRows.size() == 2) {
            double ownerRps = ((Number) wrkRows.get(0).get("req/s")).doubleValue();
            double hopRps = ((Number) wrkRows.get(1).get("req/s")).doubleValue();
            report.finding(String.format(Locale.ROOT, "throughput (wrk, health): forwarded %.0f req/s against %.0f "
                    + "served by the owner (%.2f×)", hopRps, ownerRps, hopRps / ownerRps));
        }
        for (Map<String, Object> row : nginxRows) {
            report.finding(row.get("path") + ": " + row.get("forwarded") + " of the requests went a hop, p50 "
                    + row.get("p50 ms") + " ms, p99 " + row.get("p99 ms") + " ms");
        }
        report.finding(String.format(Locale.ROOT, "node b's picobase_forwarded_requests_total grew by %.0f for the %d "
                + "requests sent to it (warm-up included): every one went a hop", forwarded, sentToB));
        int errors = series.stream().mapToInt(s -> s.errors.size()).sum()
                + wrkRows.stream().mapToInt(r -> ((Number) r.get("errors")).intValue()).sum()
                + nginxRows.stream().mapToInt(r -> ((Number) r.get("errors")).intValue()).sum();
        report.finding(errors == 0 ? "every request answered 200 (no errors)" : errors + " requests failed");
        report.finding(calibration.finding());
        report.extra("metadata_round_trip_ms", calibration.figures());
        report.extra("relay", Map.of("connections", relay.connections(), "requests", relay.requests().size()));
        report.extra("errors", series.stream().filter(s -> !s.errors.isEmpty())
                .collect(Collectors.toMap(s -> s.path + " " + s.endpoint + " " + s.metadata, s -> s.errors)));
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static double round2(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 100) / 100.0;
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static void progress(String line) {
        System.err.println("cluster-warm-path: " + line);
    }
}
