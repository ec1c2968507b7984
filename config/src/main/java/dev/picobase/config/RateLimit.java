package dev.picobase.config;

import java.util.Locale;
import java.util.Optional;

/**
 * A request rate limit for one instance: {@code requestsPerMinute} requests a minute (a token bucket
 * of that size, refilled evenly over the minute, so a burst of the whole minute's allowance passes),
 * counted for the whole instance or, with {@code perAddress}, for each client address apart. Used
 * both as the platform default ({@code PICOBASE_RATE_LIMIT_DEFAULT}) and as an instance's own setting.
 */
public record RateLimit(int requestsPerMinute, boolean perAddress) {
    public static final int MAX_PER_MINUTE = 1_000_000;

    public RateLimit {
        if (requestsPerMinute < 1 || requestsPerMinute > MAX_PER_MINUTE) {
            throw new IllegalArgumentException("requestsPerMinute must be from 1 to " + MAX_PER_MINUTE);
        }
    }

    /**
     * {@code PICOBASE_RATE_LIMIT_DEFAULT}: {@code off} (or unset) for none, {@code N} for N requests a
     * minute per instance, {@code N/address} for N a minute per client address of each instance.
     */
    static Optional<RateLimit> parseDefault(String raw) {
        String value = raw == null ? "off" : raw.strip().toLowerCase(Locale.ROOT);
        if (value.isEmpty() || value.equals("off")) {
            return Optional.empty();
        }
        boolean perAddress = value.endsWith("/address");
        String number = perAddress ? value.substring(0, value.length() - "/address".length()).strip() : value;
        try {
            return Optional.of(new RateLimit(Integer.parseInt(number), perAddress));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("PICOBASE_RATE_LIMIT_DEFAULT", "expected off, N or N/address (N requests a "
                    + "minute, 1 to " + MAX_PER_MINUTE + "), got '" + raw.strip() + "'");
        }
    }
}
