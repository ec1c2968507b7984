package dev.picobase.core.snapshot;

/** A downloaded snapshot does not match the SHA-256 recorded when it was taken: it is refused. */
public final class SnapshotCorruptException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SnapshotCorruptException(String message) {
        super(message);
    }
}
