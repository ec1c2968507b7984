package dev.picobase.core.snapshot;

/**
 * What {@link Snapshots} reports for metrics: each save and restore with its archive size and
 * duration, and each failed transfer to or from object storage. An interface rather than a
 * metrics library so that core stays free of one; {@link #NONE} ignores everything.
 *
 * <p>Threading: called on whichever thread saves or restores (a blocking executor); must not block.
 */
public interface SnapshotEvents {
    SnapshotEvents NONE = new SnapshotEvents() { };

    /** A snapshot of {@code bytes} was archived, uploaded and verified in {@code nanos}. */
    default void saved(long bytes, long nanos) { }

    /** As {@link #saved(long, long)}: {@code instanceId}'s snapshot, now its current one (usage). */
    default void saved(String instanceId, long bytes, long nanos) {
        saved(bytes, nanos);
    }

    /** A snapshot of {@code bytes} was downloaded, checked and extracted in {@code nanos}. */
    default void restored(long bytes, long nanos) { }

    /** An upload failed or could not be verified. */
    default void uploadFailed() { }

    /** A download failed, or what was downloaded did not match its recorded SHA-256. */
    default void downloadFailed() { }
}
