package dev.picobase.core.model;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules for an instance's subdomain: a DNS label of 3–63 lowercase letters, digits and inner
 * hyphens, without {@code --} in its third and fourth characters, and not one of the reserved names.
 * The {@code --} rule is structural and always applies: RFC 5891 keeps such labels for IDNA
 * ({@code xn--}) and future encodings, where a browser could show the name as something else. The
 * reserved names are the operator's ({@code PICOBASE_RESERVED_SUBDOMAINS}, or the built-in list),
 * so the control API builds one {@code Subdomains} from its configuration and every check (create
 * and the admin UI's live availability check) goes through it.
 *
 * <p>Threading: immutable; safe to share.
 */
public final class Subdomains {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");

    private final Set<String> reserved;

    public Subdomains(Set<String> reserved) {
        this.reserved = Set.copyOf(reserved);
    }

    /** An explanation of what is wrong with {@code candidate}, or empty when it is acceptable. */
    public Optional<String> problem(String candidate) {
        if (candidate.length() < 3 || candidate.length() > 63) {
            return Optional.of("must be 3 to 63 characters long");
        }
        if (!candidate.equals(candidate.toLowerCase(Locale.ROOT))) {
            return Optional.of("must be lowercase");
        }
        if (!LABEL.matcher(candidate).matches()) {
            return Optional.of("may contain only lowercase letters, digits and hyphens, and must start and end "
                    + "with a letter or digit");
        }
        if (candidate.length() >= 4 && candidate.charAt(2) == '-' && candidate.charAt(3) == '-') {
            return Optional.of("must not have '--' as its third and fourth characters (like xn--, kept for "
                    + "internationalised names)");
        }
        if (reserved.contains(candidate)) {
            return Optional.of("'" + candidate + "' is reserved");
        }
        return Optional.empty();
    }
}
