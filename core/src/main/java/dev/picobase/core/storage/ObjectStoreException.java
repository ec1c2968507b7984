package dev.picobase.core.storage;

/** Object storage failed (unreachable, refused, interrupted, missing object). */
public final class ObjectStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
