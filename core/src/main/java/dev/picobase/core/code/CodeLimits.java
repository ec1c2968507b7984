package dev.picobase.core.code;

/**
 * Bounds on one code tree ({@code PICOBASE_DEPLOY_MAX_BYTES}, {@code PICOBASE_DEPLOY_MAX_FILES}): its
 * total bytes (as extracted, counted while inflating, never trusted from a zip's headers) and its
 * number of files. One upload is bounded by {@code maxBytes} as well.
 */
public record CodeLimits(long maxBytes, int maxFiles) {
    /** A tree's path may be this long at most (in characters), and this deep. */
    public static final int MAX_PATH_LENGTH = 512;
    public static final int MAX_DEPTH = 16;
}
