package dev.picobase.core.secret;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The parts of an API key as a client presents it: {@code pbk_<publicId>_<secret>}. The public id
 * (12 lowercase alphanumerics) lets the gateway find the row with one indexed lookup; the secret is
 * 32 random bytes (256 bits, base64url) of which only a bcrypt hash is stored.
 */
public record ApiKeySecret(String publicId, String secret) {
    public static final String PREFIX = "pbk_";
    private static final Pattern SHAPE = Pattern.compile("pbk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})");

    public static ApiKeySecret generate() {
        return new ApiKeySecret(Tokens.randomId(12), Tokens.randomSecret(32));
    }

    /** Parses a presented key; anything not shaped like one of ours is empty (and costs no bcrypt). */
    public static Optional<ApiKeySecret> parse(String presented) {
        if (presented == null || presented.length() != 60) {
            return Optional.empty();
        }
        var m = SHAPE.matcher(presented);
        return m.matches() ? Optional.of(new ApiKeySecret(m.group(1), m.group(2))) : Optional.empty();
    }

    /** The full key, to be shown to its creator exactly once. */
    public String fullKey() {
        return PREFIX + publicId + "_" + secret;
    }

    public String lastFour() {
        return secret.substring(secret.length() - 4);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return PREFIX + publicId + "_…";
    }
}
