package dev.picobase.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * One immutable snapshot of an instance's {@code pb_data} in object storage: its object key, the
 * SHA-256 and size of the archive (checked on restore), when it was taken and why ({@link
 * SnapshotReason}; empty for snapshots taken before reasons were recorded). In cluster mode it also
 * says which node saved it and, for a snapshot that was never made current (a node that lost its
 * lease uploading its unsaved writes), why not; both are empty for ordinary snapshots.
 */
public record Snapshot(String id, String instanceId, String objectKey, String sha256, long sizeBytes,
                       Instant createdAt, Optional<String> nodeId, Optional<String> note,
                       Optional<SnapshotReason> reason) {

    /** A snapshot without provenance or reason: what a single node saved before reasons were recorded. */
    public Snapshot(String id, String instanceId, String objectKey, String sha256, long sizeBytes, Instant createdAt) {
        this(id, instanceId, objectKey, sha256, sizeBytes, createdAt, Optional.empty(), Optional.empty());
    }

    /** A snapshot without a recorded reason. */
    public Snapshot(String id, String instanceId, String objectKey, String sha256, long sizeBytes, Instant createdAt,
                    Optional<String> nodeId, Optional<String> note) {
        this(id, instanceId, objectKey, sha256, sizeBytes, createdAt, nodeId, note, Optional.empty());
    }

    /** The same snapshot, saved by {@code nodeId}, with {@code note} (null for none) saying why it is not current. */
    public Snapshot withProvenance(String nodeId, String note) {
        return new Snapshot(id, instanceId, objectKey, sha256, sizeBytes, createdAt, Optional.of(nodeId),
                Optional.ofNullable(note), reason);
    }

    /** The same snapshot, taken for {@code why}. */
    public Snapshot withReason(SnapshotReason why) {
        return new Snapshot(id, instanceId, objectKey, sha256, sizeBytes, createdAt, nodeId, note, Optional.of(why));
    }

    /** The same snapshot with {@code note} (null for none). */
    public Snapshot withNote(String text) {
        return new Snapshot(id, instanceId, objectKey, sha256, sizeBytes, createdAt, nodeId, Optional.ofNullable(text),
                reason);
    }
}
