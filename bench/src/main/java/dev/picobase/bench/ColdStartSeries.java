package dev.picobase.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The samples of one row of the cold-start table: one store, data set and mode. A sample is the
 * time to the response headers plus the restore and boot durations the gateway reported in
 * {@code Server-Timing} (whole milliseconds), with the stop before it and a warm repeat of the read
 * after it; floor rows have boot times only. Errors are kept with
 * their description and counted in the row.
 */
final class ColdStartSeries {
    private final String store;
    private final ColdStartDataset dataset;
    private final String mode;
    private final List<Double> ttfbMillis = new ArrayList<>();
    private final List<Double> restoreMillis = new ArrayList<>();
    private final List<Double> bootMillis = new ArrayList<>();
    private final List<Double> stopMillis = new ArrayList<>();
    private final List<Double> warmMillis = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private long snapshotBytes = -1;

    ColdStartSeries(String store, ColdStartDataset dataset, String mode) {
        this.store = store;
        this.dataset = dataset;
        this.mode = mode;
    }

    String store() {
        return store;
    }

    ColdStartDataset dataset() {
        return dataset;
    }

    String mode() {
        return mode;
    }

    /**
     * A cold start, how long the stop (with its save) before it took, and the TTFB of the same read
     * repeated at once on the running instance.
     */
    void add(long stopNanos, long ttfbNanos, long restoreMs, long bootMs, long warmNanos) {
        stopMillis.add(stopNanos / 1e6);
        warmMillis.add(warmNanos / 1e6);
        ttfbMillis.add(ttfbNanos / 1e6);
        restoreMillis.add((double) restoreMs);
        bootMillis.add((double) bootMs);
    }

    void addBoot(long bootNanos) {
        bootMillis.add(bootNanos / 1e6);
    }

    void error(String description) {
        errors.add(description);
    }

    List<String> errors() {
        return errors;
    }

    void snapshotBytes(long bytes) {
        snapshotBytes = bytes;
    }

    long snapshotBytes() {
        return snapshotBytes;
    }

    Stats ttfb() {
        return stats(ttfbMillis);
    }

    Stats restore() {
        return stats(restoreMillis);
    }

    Stats boot() {
        return stats(bootMillis);
    }

    /** The stops before the samples: each saves a snapshot, the bulk of the benchmark's own run time. */
    Stats stop() {
        return stats(stopMillis);
    }

    /** Per sample, what neither restore nor boot accounts for: gateway, key check, wake bookkeeping, proxying. */
    Stats other() {
        double[] other = new double[ttfbMillis.size()];
        for (int i = 0; i < other.length; i++) {
            other[i] = ttfbMillis.get(i) - restoreMillis.get(i) - bootMillis.get(i);
        }
        return Stats.of(other);
    }

    Map<String, Object> row() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("store", store);
        row.put("data", dataset.name() + " (" + dataset.megabytes() + " MB)");
        row.put("mode", mode);
        row.put("n", Math.max(ttfbMillis.size(), bootMillis.size()));
        row.put("errors", errors.size());
        if (!ttfbMillis.isEmpty()) {
            put(row, "TTFB", ttfb());
            put(row, "restore", restore());
        }
        put(row, "boot", boot());
        if (!ttfbMillis.isEmpty()) {
            row.put("other p50", Stats.round(other().quantile(0.5)));
            row.put("warm p50", Stats.round(stats(warmMillis).quantile(0.5)));
        }
        if (snapshotBytes >= 0) {
            row.put("snapshot MB", Stats.round(snapshotBytes / 1e6));
        }
        return row;
    }

    private static void put(Map<String, Object> row, String name, Stats stats) {
        row.put(name + " p50", Stats.round(stats.quantile(0.50)));
        row.put(name + " p90", Stats.round(stats.quantile(0.90)));
        row.put(name + " p99", Stats.round(stats.quantile(0.99)));
    }

    /** Everything measured, for the JSON. */
    Map<String, Object> samples() {
        Map<String, Object> samples = new LinkedHashMap<>();
        samples.put("store", store);
        samples.put("data", dataset.name());
        samples.put("mode", mode);
        samples.put("ttfb_ms", ttfbMillis.stream().map(Stats::round).toList());
        samples.put("restore_ms", restoreMillis);
        samples.put("boot_ms", bootMillis.stream().map(Stats::round).toList());
        samples.put("warm_ttfb_ms", warmMillis.stream().map(Stats::round).toList());
        samples.put("stop_ms", stopMillis.stream().map(Stats::round).toList());
        samples.put("errors", errors);
        return samples;
    }

    private static Stats stats(List<Double> values) {
        return Stats.of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
