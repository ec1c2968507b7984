package dev.picobase.core.secret;

import org.mindrot.jbcrypt.BCrypt;

/**
 * bcrypt hashing for account passwords and API-key secrets. Each call costs tens of milliseconds of
 * CPU on purpose: call it only from a blocking executor, never from a Netty event loop.
 */
public final class Passwords {
    /** bcrypt reads at most 72 bytes; longer inputs would be silently truncated, so they are refused. */
    public static final int MAX_BYTES = 72;

    private final int cost;
    private final String dummyHash;

    public Passwords(int cost) {
        this.cost = cost;
        this.dummyHash = BCrypt.hashpw("not-a-real-password", BCrypt.gensalt(cost));
    }

    public String hash(String secret) {
        return BCrypt.hashpw(secret, BCrypt.gensalt(cost));
    }

    public boolean verify(String secret, String hash) {
        try {
            return BCrypt.checkpw(secret, hash);
        } catch (IllegalArgumentException malformedHash) {
            return false;
        }
    }

    /**
     * Spends the same time as a real check when there is nothing to check against (unknown email),
     * so response times do not reveal which accounts exist.
     */
    public void verifyNothing(String secret) {
        verify(secret, dummyHash);
    }
}
