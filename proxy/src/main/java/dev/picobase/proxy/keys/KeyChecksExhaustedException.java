package dev.picobase.proxy.keys;

/**
 * A key check refused for budget reasons, not because the key is wrong: this client address has
 * spent its failed checks for the key's public id (see {@link ApiKeyVerifier}). The gateway answers
 * 429 with {@code Retry-After}. Carries no stack trace: it is thrown on a flood's every request.
 */
public final class KeyChecksExhaustedException extends RuntimeException {
    private final long retryAfterSeconds;

    KeyChecksExhaustedException(long retryAfterSeconds) {
        super("too many failed checks of this API key from your address; try again in " + retryAfterSeconds + " s",
                null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** When this address gets checks for the key again, in whole seconds (at least 1). */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
