package dev.picobase.config;

import java.time.Duration;

/**
 * Account security knobs: bcrypt cost for passwords and API-key secrets, session lifetime, cookie
 * flags, and the sign-in rate limits (failures per account from one address within a window, a
 * backstop of failures per account from all addresses in that window, attempts per client address
 * per minute).
 */
public record AuthConfig(
        int bcryptCost,
        Duration sessionTtl,
        boolean secureCookies,
        int signInMaxFailures,
        Duration signInFailureWindow,
        int signInAttemptsPerAddressPerMinute,
        int signInMaxFailuresPerAccount) {
}
