package dev.picobase.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.Tools;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Thundering herd: {@code --requests} (1,000) concurrent requests for one stopped instance. The
 * gateway must start it exactly once, hold every request meanwhile and answer them all with 200.
 *
 * <p>Set-up: one instance with a {@code posts} collection and one record, stopped (so saved to
 * object storage). Each round opens {@code --requests} connections first, then writes the same
 * {@code GET} of the record on all of them back to back ({@link HerdClient}), so the burst is
 * the requests alone, not TCP handshakes. Rounds alternate between the two ways a stopped instance
 * wakes: {@code local} (its {@code pb_data} copy is still on disk: boot only) and {@code restore}
 * (the copy is deleted first: download and extract the snapshot, then boot), {@code --rounds} (3)
 * of each. Per round: starts (the delta of {@code picobase_cold_starts_total}, cross-checked against
 * the "starting PocketBase" lines of the instance's log), errors (non-200, resets, no whole
 * response within {@code --timeout-seconds}), latency from each request's write to its whole
 * response (p50/p90/p99/max), and the {@code Server-Timing} restore and boot durations the gateway
 * adds to responses that waited for the start ({@code held}: how many carried it; the others reached
 * the gateway after the start had finished).
 *
 * <p>Heap per held request (target at most 2 KB): a wake of ~300 ms is too short to force a GC and
 * read the heap while the requests are held, so a last {@code held} round makes the boot slow on
 * purpose: PocketBase is run through a wrapper script that, while a flag file exists, sleeps
 * {@code --held-seconds} (8) before exec'ing it (otherwise it only execs it: a few milliseconds on
 * every boot, in every round). The live heap (after {@code jcmd GC.run}) is read before the
 * connections are opened, once they are open, and once every request is held (the
 * {@code picobase_held_requests} gauge reaches the count); the differences divided by the number of
 * requests are the cost per idle connection and per held request. {@code --held-seconds=0} skips it.
 */
public final class HerdBench {
    private static final Pattern SERVER_TIMING = Pattern.compile("restore;dur=(\\d+), boot;dur=(\\d+)");
    private static final String SUBDOMAIN = "herd";

    private final BenchPlatform platform;
    private final String instanceId;
    private final byte[] request;
    private final int requests;
    private final long timeoutMillis;

    private HerdBench(BenchPlatform platform, String instanceId, byte[] request, int requests, long timeoutMillis) {
        this.platform = platform;
        this.instanceId = instanceId;
        this.request = request;
        this.requests = requests;
        this.timeoutMillis = timeoutMillis;
    }

    public static void run(Bench.Options options) throws IOException {
        int requests = options.integer("requests", 1000);
        int rounds = options.integer("rounds", 3);
        int heldSeconds = options.integer("held-seconds", 8);
        long timeoutMillis = options.integer("timeout-seconds", 60) * 1000L;
        // Away from the 21000 other benchmarks use: a PocketBase of another platform on the port would pass
        // our platform's health probe and answer our requests.
        String basePort = options.text("instances-base-port", "26000");
        Report report = new Report("herd", "Thundering herd: " + requests + " concurrent requests to one stopped instance")
                .parameter("requests", requests).parameter("rounds per mode", rounds)
                .columns("round", "mode", "requests", "held", "starts", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms",
                        "restore ms", "boot ms");
        Path dir = Files.createTempDirectory("picobase-herd");
        Path slowFlag = dir.resolve("slow-boot");
        try (BenchPlatform platform = BenchPlatform.start(dir.resolve("platform"),
                Map.of("POCKETBASE_BINARY_PATH", wrapper(dir, slowFlag, heldSeconds).toString(),
                        "INSTANCES_BASE_PORT", basePort), List.of())) {
            platform.signUp("herd@example.com", "benchmark-password");
            String id = platform.createInstance(SUBDOMAIN);
            String key = platform.createKey(id);
            String recordId = new HerdPocketBase(platform.gatewayPort(), SUBDOMAIN, key).seedRecord();
            platform.stop(id);
            byte[] get = ("GET " + HerdPocketBase.RECORD_PATH + recordId + " HTTP/1.1\r\nHost: " + SUBDOMAIN
                    + ".localhost\r\napikey: " + key + "\r\nAccept: application/json\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            HerdBench bench = new HerdBench(platform, id, get, requests, timeoutMillis);
            for (int round = 1; round <= rounds; round++) {
                for (boolean restore : new boolean[] {false, true}) {
                    report.row(bench.round(round, restore));
                }
            }
            Map<String, Object> held = null;
            if (heldSeconds > 0) {
                Files.createFile(slowFlag);
                held = bench.heldRound(heldSeconds);
                Files.delete(slowFlag);
                report.row(held);
            }
            findings(report, List.copyOf(report.rows()), requests);
            if (held == null) {
                report.finding("heap per held request: not measured (--held-seconds=0)");
            } else {
                long perHeld = (long) held.get("heap per held request B");
                report.finding(String.format("heap per held request: %d bytes (target at most 2048, %s); per idle open "
                                + "connection %s bytes; live heap %s MiB before, %s MiB with %s connections open, "
                                + "%s MiB with %s requests held",
                        perHeld, perHeld <= 2048 ? "met" : "missed", held.get("heap per connection B"),
                        held.get("heap before MiB"), held.get("heap open MiB"), held.get("requests"),
                        held.get("heap held MiB"), held.get("held at heap read")));
            }
            report.write(options.results());
        } finally {
            FileTrees.delete(dir);
        }
    }

    /**
     * The PocketBase the platform runs: the real binary, behind a script that first sleeps while
     * {@code slowFlag} exists (the {@code held} round), and otherwise only execs it.
     */
    private static Path wrapper(Path dir, Path slowFlag, int heldSeconds) throws IOException {
        Path script = dir.resolve("pocketbase-wrapper.sh");
        Files.writeString(script, "#!/bin/sh\n[ -e '" + slowFlag + "' ] && sleep " + heldSeconds + "\nexec '"
                + Tools.pocketbase() + "' \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** One burst at the stopped instance (after deleting its local copy when {@code restore}); stops it after. */
    private Map<String, Object> round(int round, boolean restore) throws IOException {
        if (restore) {
            FileTrees.delete(platform.pbData(instanceId));
        }
        double startsBefore = platform.metric("picobase_cold_starts_total");
        int loggedBefore = loggedStarts();
        List<HerdClient.Outcome> outcomes;
        try (HerdClient client = HerdClient.open(gateway(), requests)) {
            outcomes = client.fire(request, timeoutMillis);
        }
        Map<String, Object> row = row(Integer.toString(round), restore ? "restore" : "local", outcomes,
                startsBefore, loggedBefore);
        platform.stop(instanceId);
        return row;
    }

    /**
     * The burst with a slow boot: the live heap before, with the connections open, and with every
     * request held; the requests complete once the boot's sleep ends.
     */
    private Map<String, Object> heldRound(int heldSeconds) {
        double startsBefore = platform.metric("picobase_cold_starts_total");
        int loggedBefore = loggedStarts();
        long before = HerdJvm.liveHeapBytes(platform);
        List<HerdClient.Outcome> outcomes;
        long open;
        long held;
        int heldCount;
        try (HerdClient client = HerdClient.open(gateway(), requests)) {
            open = HerdJvm.liveHeapBytes(platform);
            CompletableFuture<List<HerdClient.Outcome>> burst = CompletableFuture.supplyAsync(
                    () -> client.fire(request, timeoutMillis));
            heldCount = awaitHeld(client.openConnections(), heldSeconds * 1000L / 2);
            held = HerdJvm.liveHeapBytes(platform);
            int stillHeld = (int) platform.metric("picobase_held_requests");
            if (stillHeld < heldCount) {
                throw new IllegalStateException("the wake ended while the heap was read (" + stillHeld + " of "
                        + heldCount + " still held): raise --held-seconds");
            }
            outcomes = burst.join();
        }
        Map<String, Object> row = row("held", "local, boot +" + heldSeconds + " s", outcomes, startsBefore, loggedBefore);
        platform.stop(instanceId);
        row.put("held at heap read", heldCount);
        row.put("heap before MiB", HerdJvm.mib(before));
        row.put("heap open MiB", HerdJvm.mib(open));
        row.put("heap held MiB", HerdJvm.mib(held));
        row.put("heap per connection B", Math.round((open - before) / (double) requests));
        row.put("heap per held request B", Math.round((held - open) / (double) heldCount));
        return row;
    }

    /** Waits until {@code expected} requests are held (or {@code maxMillis} pass); returns how many are. */
    private int awaitHeld(int expected, long maxMillis) {
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        int held = 0;
        while (System.nanoTime() < deadline) {
            held = (int) platform.metric("picobase_held_requests");
            if (held >= expected) {
                return held;
            }
            BenchPlatform.sleep(20);
        }
        if (held == 0) {
            throw new IllegalStateException("no request was held within " + maxMillis + " ms");
        }
        return held;
    }

    private Map<String, Object> row(String round, String mode, List<HerdClient.Outcome> outcomes, double startsBefore,
                                    int loggedBefore) {
        long[] okNanos = outcomes.stream().filter(HerdClient.Outcome::ok).mapToLong(HerdClient.Outcome::latencyNanos)
                .toArray();
        Stats latency = Stats.ofMillis(okNanos);
        Map<String, Integer> errors = new TreeMap<>();
        Map<String, Integer> timings = new TreeMap<>();
        for (HerdClient.Outcome o : outcomes) {
            if (!o.ok()) {
                errors.merge(o.status() == 0 ? o.error().replaceAll("\\d+", "N") : "status " + o.status(), 1,
                        Integer::sum);
            }
            if (o.serverTiming() != null) {
                timings.merge(o.serverTiming(), 1, Integer::sum);
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("round", round);
        row.put("mode", mode);
        row.put("requests", outcomes.size());
        row.put("held", timings.values().stream().mapToInt(Integer::intValue).sum());
        row.put("starts", (long) (platform.metric("picobase_cold_starts_total") - startsBefore));
        row.put("starts logged", loggedStarts() - loggedBefore);
        row.put("errors", outcomes.size() - okNanos.length);
        row.put("p50 ms", Stats.round(latency.quantile(0.50)));
        row.put("p90 ms", Stats.round(latency.quantile(0.90)));
        row.put("p99 ms", Stats.round(latency.quantile(0.99)));
        row.put("max ms", Stats.round(latency.max()));
        row.put("min ms", Stats.round(latency.min()));
        if (timings.size() == 1) {
            Matcher m = SERVER_TIMING.matcher(timings.keySet().iterator().next());
            if (m.find()) {
                row.put("restore ms", Long.parseLong(m.group(1)));
                row.put("boot ms", Long.parseLong(m.group(2)));
            }
        }
        row.put("server timings", timings);
        row.put("error kinds", errors);
        return row;
    }

    /** "starting PocketBase" lines in the instance's log (its last 1,000 lines). */
    private int loggedStarts() {
        JsonNode lines = platform.call("GET", "/api/instances/" + instanceId + "/logs?lines=1000", null).get("lines");
        int starts = 0;
        for (JsonNode line : lines) {
            if (line.asText().contains("starting PocketBase")) {
                starts++;
            }
        }
        return starts;
    }

    private InetSocketAddress gateway() {
        return new InetSocketAddress("127.0.0.1", platform.gatewayPort());
    }

    private static void findings(Report report, List<Map<String, Object>> rounds, int requests) {
        long extraStarts = rounds.stream().filter(r -> ((Number) r.get("starts")).longValue() != 1).count();
        long errors = rounds.stream().mapToLong(r -> ((Number) r.get("errors")).longValue()).sum();
        report.finding(String.format("starts: %s (target exactly 1 per round of %d requests)",
                extraStarts == 0 ? "1 in every round, met" : extraStarts + " of " + rounds.size()
                        + " rounds did not start exactly once, missed", requests));
        report.finding(String.format("errors: %d over %d rounds (target 0, %s)", errors, rounds.size(),
                errors == 0 ? "met" : "missed"));
        for (String mode : List.of("local", "restore")) {
            double worstP99 = rounds.stream().filter(r -> r.get("mode").equals(mode))
                    .mapToDouble(r -> ((Number) r.get("p99 ms")).doubleValue()).max().orElse(Double.NaN);
            report.finding(String.format("%s wake: worst p99 %.1f ms over its rounds (every request waits for one "
                    + "start, so p99 is roughly the start plus the time to answer the burst)", mode, worstP99));
        }
    }
}
