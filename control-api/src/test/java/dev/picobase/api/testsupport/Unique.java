package dev.picobase.api.testsupport;

import dev.picobase.core.secret.Tokens;

/**
 * Names no other test uses: the libSQL store is one database for the whole test JVM, so emails and
 * subdomains must never collide between tests, classes or runs.
 */
public final class Unique {
    private Unique() {}

    public static String email() {
        return "user-" + Tokens.randomId(12) + "@example.com";
    }

    /** A valid, unreserved subdomain (lowercase letters and digits). */
    public static String subdomain() {
        return "app" + Tokens.randomId(12);
    }
}
