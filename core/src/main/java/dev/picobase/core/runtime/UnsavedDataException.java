package dev.picobase.core.runtime;

/**
 * An operation that replaces an instance's local data (a restore) was refused because that data
 * holds writes no snapshot has and saving it failed: going on would lose them. The local copy is
 * kept and its save is retried; the operation can be tried again once object storage answers.
 */
public final class UnsavedDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnsavedDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
