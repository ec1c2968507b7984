package dev.picobase.core.runtime;

/** A request could not be held until its instance woke: too many already wait, or it took too long. */
public final class HoldLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HoldLimitException(String message) {
        super(message, null, false, false);
    }
}
