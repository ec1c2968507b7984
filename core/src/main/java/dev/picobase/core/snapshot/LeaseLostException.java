package dev.picobase.core.snapshot;

/**
 * A save could not make its snapshot current because this node no longer holds the instance's lease
 * (cluster mode): the snapshot was stored and is listed as a backup that is not current, with the
 * reason, and the local copy must not be served or saved as current again.
 */
public final class LeaseLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LeaseLostException(String message) {
        super(message, null, false, false);
    }
}
