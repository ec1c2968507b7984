package dev.picobase.api.cli;

import java.time.Duration;
import java.util.Locale;

/** Sizes and times as an operator reads them in a terminal: {@code 1.2 MiB}, {@code 3 min ago}, {@code 2 h 5 min}. */
final class Units {
    private static final String[] BINARY = {"KiB", "MiB", "GiB", "TiB", "PiB"};

    private Units() {}

    /** {@code 812 B}, {@code 1.2 KiB}, {@code 10.0 GiB} (binary units, as PICOBASE_DISK_BUDGET's {@code 10g} means). */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < BINARY.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, BINARY[unit]);
    }

    /** How long ago: {@code just now}, {@code 12 s ago}, {@code 3 min ago}, {@code 5 h ago}, {@code 2 d ago}. */
    static String ago(Duration age) {
        long s = Math.max(0, age.toSeconds());
        if (s < 1) {
            return "just now";
        }
        if (s < 60) {
            return s + " s ago";
        }
        if (s < 3600) {
            return s / 60 + " min ago";
        }
        if (s < 48 * 3600) {
            return s / 3600 + " h ago";
        }
        return s / 86400 + " d ago";
    }

    /** A span: {@code 42 s}, {@code 7 min}, {@code 3 h 12 min}, {@code 4 d 2 h}. */
    static String span(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min";
        }
        if (s < 86400) {
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return s / 86400 + " d " + s % 86400 / 3600 + " h";
    }
}
