package dev.picobase.core.code;

/**
 * An upload that is not deployed: a path that could escape its tree ({@code ..}, absolute), a link,
 * a zip that is not one or names an entry twice, or more bytes or files than the limits allow. The
 * message says which, for the owner; nothing was changed.
 */
public final class CodeRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    /** @param code the API error code: {@code invalid_path}, {@code invalid_zip}, {@code too_large}, {@code too_many_files} */
    public CodeRejectedException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
