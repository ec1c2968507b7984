package dev.picobase.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of raw configuration strings. Every failure names the variable, so the one line a
 * user sees at start-up tells them exactly what to fix.
 */
final class Settings {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

    private final Map<String, String> values;

    Settings(Map<String, String> values) {
        this.values = values;
    }

    Optional<String> optional(String name) {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(value.strip());
    }

    String string(String name, String fallback) {
        return optional(name).orElse(fallback);
    }

    int port(String name, int fallback) {
        return integer(name, fallback, 0, 65535);
    }

    int integer(String name, int fallback, int min, int max) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value < min || value > max) {
                throw new ConfigException(name, "must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException(name, "expected a whole number between " + min + " and " + max
                    + ", got '" + raw.get() + "'");
        }
    }

    boolean bool(String name, boolean fallback) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        switch (raw.get().toLowerCase(Locale.ROOT)) {
            case "true": case "1": case "yes": case "on":
                return true;
            case "false": case "0": case "no": case "off":
                return false;
            default:
                throw new ConfigException(name, "expected true or false, got '" + raw.get() + "'");
        }
    }

    Path path(String name, String fallback) {
        String raw = string(name, fallback);
        try {
            return Path.of(raw).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(name, "not a usable path: '" + raw + "'");
        }
    }

    /**
     * The longest duration any setting accepts unless it says otherwise: ten years. Far beyond any
     * useful timeout, yet small enough that code may add it to a clock reading or convert it to
     * nanoseconds without overflowing a long.
     */
    static final Duration MAX_DURATION = Duration.ofDays(3650);

    /** Durations like {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}, up to {@link #MAX_DURATION}. */
    Duration duration(String name, Duration fallback, Duration min) {
        return duration(name, fallback, min, MAX_DURATION);
    }

    Duration duration(String name, Duration fallback, Duration min, Duration max) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        Matcher m = DURATION.matcher(raw.get().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(name, "expected a duration such as 30s, 5m or 2h, got '" + raw.get() + "'");
        }
        Duration value;
        try {
            long amount = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": value = Duration.ofMillis(amount); break;
                case "s": value = Duration.ofSeconds(amount); break;
                case "m": value = Duration.ofMinutes(amount); break;
                case "h": value = Duration.ofHours(amount); break;
                default: value = Duration.ofDays(amount); break;
            }
        } catch (NumberFormatException | ArithmeticException tooLarge) {
            value = null; // more digits than a long holds, or more seconds than a Duration does
        }
        if (value == null || value.compareTo(max) > 0) {
            throw new ConfigException(name, "must be at most " + describe(max) + ", got '" + raw.get() + "'");
        }
        if (value.compareTo(min) < 0) {
            throw new ConfigException(name, "must be at least " + min.toMillis() + "ms, got '" + raw.get() + "'");
        }
        return value;
    }

    /** A duration in the largest unit that divides it, in the syntax the settings accept. */
    private static String describe(Duration d) {
        if (d.toMillis() % 86_400_000 == 0) {
            return d.toDays() + "d";
        }
        if (d.toMillis() % 3_600_000 == 0) {
            return d.toHours() + "h";
        }
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** Sizes like {@code 65536}, {@code 64k}, {@code 1MiB}, {@code 2g} (binary multiples). */
    long bytes(String name, long fallback, long min, long max) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) {
            return fallback;
        }
        Matcher m = SIZE.matcher(raw.get().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(name, "expected a size such as 65536, 64k or 10m, got '" + raw.get() + "'");
        }
        long value;
        try {
            value = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new ConfigException(name, "size too large: '" + raw.get() + "'");
        }
        String unit = m.group(2) == null ? "b" : m.group(2).substring(0, 1);
        int shift = unit.equals("k") ? 10 : unit.equals("m") ? 20 : unit.equals("g") ? 30 : 0;
        if (value > (max >> shift)) {
            throw new ConfigException(name, "must be at most " + max + " bytes, got '" + raw.get() + "'");
        }
        value <<= shift;
        if (value < min) {
            throw new ConfigException(name, "must be at least " + min + " bytes, got '" + raw.get() + "'");
        }
        return value;
    }
}
