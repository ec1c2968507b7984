package dev.picobase.proxy.routing;

import java.util.Locale;
import java.util.Optional;

/**
 * Splits a {@code Host} header into the instance's subdomain under the base domain:
 * {@code myapp.localhost:8080} → {@code myapp}. Anything else (a bare IP, nested subdomains) is not
 * an instance's subdomain; a name outside the base domain may be a custom domain ({@link #customDomain}).
 */
public final class HostNames {
    private final String suffix;
    private final String baseDomain;

    public HostNames(String baseDomain) {
        this.baseDomain = baseDomain.toLowerCase(Locale.ROOT);
        this.suffix = "." + this.baseDomain;
    }

    /** The base domain, lowercased: instances are its subdomains. */
    public String baseDomain() {
        return baseDomain;
    }

    /** The host without port, lowercased, without a trailing dot. */
    public static String hostOnly(String hostHeader) {
        String host = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end > 0 ? host.substring(0, end + 1) : host;
        }
        int colon = host.lastIndexOf(':');
        if (colon >= 0) {
            host = host.substring(0, colon);
        }
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    public Optional<String> subdomain(String hostHeader) {
        String host = hostOnly(hostHeader);
        if (!host.endsWith(suffix)) {
            return Optional.empty();
        }
        String label = host.substring(0, host.length() - suffix.length());
        return label.isEmpty() || label.contains(".") ? Optional.empty() : Optional.of(label);
    }

    /**
     * The host as a candidate custom domain: a name with a dot outside the base domain, not an IP
     * literal. Whether it routes anywhere is the route table's to say.
     */
    public Optional<String> customDomain(String hostHeader) {
        String host = hostOnly(hostHeader);
        boolean ipLiteral = host.startsWith("[") || host.matches("[0-9.]+");
        if (ipLiteral || !host.contains(".") || host.equals(baseDomain) || host.endsWith(suffix) || host.length() > 253) {
            return Optional.empty();
        }
        return Optional.of(host);
    }

    /** True for the base domain itself, where the gateway answers its own health check. */
    public boolean isBaseDomain(String hostHeader) {
        return hostOnly(hostHeader).equals(baseDomain);
    }
}
