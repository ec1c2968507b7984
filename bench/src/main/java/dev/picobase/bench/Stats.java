package dev.picobase.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles of a set of samples (nearest-rank), for the figures our own harness measures. */
public final class Stats {
    private final double[] sorted;

    private Stats(double[] samples) {
        this.sorted = samples.clone();
        Arrays.sort(sorted);
    }

    public static Stats of(double... samples) {
        return new Stats(samples);
    }

    public static Stats ofMillis(long[] nanos) {
        return new Stats(Arrays.stream(nanos).mapToDouble(n -> n / 1e6).toArray());
    }

    public int count() {
        return sorted.length;
    }

    /** The sample at quantile {@code q} (0..1), nearest rank; NaN when there are none. */
    public double quantile(double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public double min() {
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    public double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    public double mean() {
        return Arrays.stream(sorted).average().orElse(Double.NaN);
    }

    /** {@code n}, min, p50, p90, p99 and max, rounded to 0.1, for a result row. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", count());
        m.put("min", round(min()));
        m.put("p50", round(quantile(0.50)));
        m.put("p90", round(quantile(0.90)));
        m.put("p99", round(quantile(0.99)));
        m.put("max", round(max()));
        return m;
    }

    public static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 10) / 10.0;
    }
}
