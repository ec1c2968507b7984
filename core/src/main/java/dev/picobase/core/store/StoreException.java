package dev.picobase.core.store;

/** The metadata database failed (unreachable, corrupt, ...): a server-side error, not the caller's. */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
