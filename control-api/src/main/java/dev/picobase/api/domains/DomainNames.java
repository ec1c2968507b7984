package dev.picobase.api.domains;

import dev.picobase.api.http.ApiException;
import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a custom domain may be: a DNS name of at least two labels (IDNA: an internationalised name is
 * kept in its ASCII form, {@code xn--...}), lowercase, short enough that {@code _picobase.<name>} is
 * still a name, not an IP literal, and not the platform's own base domain or a name under it (those
 * are instances' subdomains, routed already).
 */
public final class DomainNames {
    /** {@code _picobase.} plus the name must fit the 253 characters of a DNS name. */
    static final int MAX_LENGTH = 253 - "_picobase.".length();
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final String baseDomain;

    public DomainNames(String baseDomain) {
        this.baseDomain = baseDomain.toLowerCase(Locale.ROOT);
    }

    /** The TXT record's name for {@code hostname}. */
    public static String txtName(String hostname) {
        return "_picobase." + hostname;
    }

    /** The hostname in its stored form, or a 400 naming the field. */
    public String validate(String raw) {
        if (raw == null || raw.isBlank()) {
            throw ApiException.invalid("hostname", "give a hostname, e.g. app.example.com");
        }
        String name = raw.strip();
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.contains(":") || name.contains("/") || name.contains("[")) {
            throw ApiException.invalid("hostname", "give a hostname only, without scheme, port or path");
        }
        try {
            name = IDN.toASCII(name, 0).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("hostname", "not a valid hostname");
        }
        if (name.length() > MAX_LENGTH) {
            throw ApiException.invalid("hostname", "at most " + MAX_LENGTH + " characters");
        }
        String[] labels = name.split("\\.", -1);
        if (labels.length < 2) {
            throw ApiException.invalid("hostname", "a domain name has at least two labels, e.g. app.example.com");
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw ApiException.invalid("hostname", "not a valid hostname: each label is letters, digits and "
                        + "inner hyphens, 1-63 characters");
            }
        }
        if (labels[labels.length - 1].matches("[0-9]+")) {
            throw ApiException.invalid("hostname", "an IP address is not a domain name");
        }
        if (name.equals(baseDomain) || name.endsWith("." + baseDomain)) {
            throw ApiException.invalid("hostname", "names under " + baseDomain + " are instances' own subdomains");
        }
        return name;
    }
}
