package dev.picobase.core.secret;

import java.util.Optional;

/**
 * The parts of an API key as a client presents it: {@code pbk_<publicId>_<secret>}. The public id
 * (12 lowercase alphanumerics) lets the gateway find the row with one indexed lookup; the secret is
 * 32 random bytes (256 bits, base64url) of which only a bcrypt hash is stored.
 */
public record ApiKeySecret(String publicId, String secret) {
    public static final String PREFIX = "pbk_";

    public static ApiKeySecret generate() {
        return new ApiKeySecret(Tokens.randomId(12), Tokens.randomSecret(32));
    }

    /** Parses a presented key; anything not shaped like one of ours is empty (and costs no bcrypt). */
    public static Optional<ApiKeySecret> parse(String presented) {
        return isWellFormed(presented)
                ? Optional.of(new ApiKeySecret(presented.substring(4, 16), presented.substring(17)))
                : Optional.empty();
    }

    /**
     * Whether {@code presented} is shaped like one of our keys: {@code pbk_}, 12 of {@code [a-z0-9]},
     * {@code _}, 43 of {@code [A-Za-z0-9_-]}. Checked on every gateway request, so it allocates nothing.
     */
    public static boolean isWellFormed(String presented) {
        if (presented == null || presented.length() != 60 || !presented.startsWith(PREFIX) || presented.charAt(16) != '_') {
            return false;
        }
        for (int i = 4; i < 16; i++) {
            char c = presented.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        for (int i = 17; i < 60; i++) {
            char c = presented.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
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
