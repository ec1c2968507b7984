package dev.picobase.bench;

import dev.picobase.bench.relay.DelayRelay;
import dev.picobase.core.store.LibsqlBackend;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one metadata round trip costs, measured the way the platform makes it: {@code SELECT 1} on one
 * connection of the platform's own libSQL driver ({@link LibsqlBackend}: one HTTP request to sqld per
 * statement, kept alive), timed on this thread. Run directly against sqld and through a
 * {@link dev.picobase.bench.relay.DelayRelay}, it shows what the relay itself adds at 0 ms and that a
 * delay of d each way makes a round trip 2d longer, so a benchmark's figures can be read in round trips.
 */
final class MetadataRoundTrip {
    private MetadataRoundTrip() {}

    /** {@code n} round trips (after a few unrecorded ones) to the libSQL server at {@code url}. */
    static Stats measure(String url, int n) {
        try (Connection c = new LibsqlBackend(url, null).open(); Statement s = c.createStatement()) {
            long[] nanos = new long[n];
            for (int i = -Math.min(10, n); i < n; i++) {
                long began = System.nanoTime();
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    rs.next();
                }
                if (i >= 0) {
                    nanos[i] = System.nanoTime() - began;
                }
            }
            return Stats.ofMillis(nanos);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the libSQL server at " + url, e);
        }
    }

    /**
     * Round trips straight to sqld at {@code sqldUrl}, through {@code relay} at 0 ms and at {@code far}
     * each way; the relay is left at 0 ms. Returns a finding for the report and the figures for its JSON.
     */
    static Calibration calibrate(String sqldUrl, DelayRelay relay, Duration far) {
        Duration before = relay.delay();
        relay.delay(Duration.ZERO);
        Stats direct = measure(sqldUrl, 200);
        Stats near = measure(relay.url(), 200);
        relay.delay(far);
        Stats distant = measure(relay.url(), 30);
        relay.delay(before);
        String line = String.format(Locale.ROOT, "one metadata round trip (SELECT 1 through the platform's libSQL "
                + "driver) takes %s straight to sqld, %s through the relay at 0 ms, %s through it at %d ms each way",
                describe(direct), describe(near), describe(distant), far.toMillis());
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("direct", direct.summary());
        figures.put("relay_0ms", near.summary());
        figures.put("relay_" + far.toMillis() + "ms", distant.summary());
        return new Calibration(line, figures, near.quantile(0.5));
    }

    /** A line for the report, the figures for its JSON, and the p50 of a round trip through the relay at 0 ms. */
    record Calibration(String finding, Map<String, Object> figures, double nearP50Ms) {}

    private static String describe(Stats ms) {
        return String.format(Locale.ROOT, "p50 %.2f ms (p99 %.2f)", ms.quantile(0.5), ms.quantile(0.99));
    }
}
