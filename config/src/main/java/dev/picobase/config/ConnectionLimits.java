package dev.picobase.config;

/**
 * How many TCP connections one listening port keeps open at once: in total, and from one client
 * address. Past either, a new connection is answered at once (429 for the address limit, 503 for
 * the total, both with {@code Retry-After}) and closed, so no client can use up the process's file
 * descriptors.
 */
public record ConnectionLimits(int total, int perAddress) {
    public ConnectionLimits {
        if (total < 1 || perAddress < 1) {
            throw new IllegalArgumentException("connection limits must be positive");
        }
    }
}
