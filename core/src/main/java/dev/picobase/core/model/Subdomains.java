package dev.picobase.core.model;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules for an instance's subdomain: a DNS label of 3–63 lowercase letters, digits and inner
 * hyphens, not one of the names the platform keeps for itself, and not an IDN ({@code xn--}) label.
 */
public final class Subdomains {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");

    /** Names that would look like part of the platform, or that operators commonly need. */
    public static final Set<String> RESERVED = Set.of(
            "www", "api", "admin", "administrator", "app", "apps", "dashboard", "console", "control",
            "gateway", "proxy", "status", "health", "metrics", "docs", "help", "support", "blog", "mail",
            "email", "smtp", "imap", "pop", "ftp", "ssh", "vpn", "ns", "ns1", "ns2", "dns", "cdn", "static",
            "assets", "media", "files", "auth", "login", "signin", "signup", "register", "account",
            "accounts", "billing", "root", "system", "internal", "localhost", "picobase", "pocketbase",
            "test", "dev", "staging", "prod", "production", "webhook", "webhooks", "security");

    private Subdomains() {}

    /** An explanation of what is wrong with {@code candidate}, or empty when it is acceptable. */
    public static Optional<String> problem(String candidate) {
        if (candidate.length() < 3 || candidate.length() > 63) {
            return Optional.of("must be 3 to 63 characters long");
        }
        if (!candidate.equals(candidate.toLowerCase(java.util.Locale.ROOT))) {
            return Optional.of("must be lowercase");
        }
        if (!LABEL.matcher(candidate).matches()) {
            return Optional.of("may contain only lowercase letters, digits and hyphens, and must start and end "
                    + "with a letter or digit");
        }
        if (candidate.startsWith("xn--")) {
            return Optional.of("must not start with xn--");
        }
        if (RESERVED.contains(candidate)) {
            return Optional.of("'" + candidate + "' is reserved");
        }
        return Optional.empty();
    }
}
