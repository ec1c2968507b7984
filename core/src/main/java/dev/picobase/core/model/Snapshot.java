package dev.picobase.core.model;

import java.time.Instant;

/**
 * One immutable snapshot of an instance's {@code pb_data} in object storage: its object key, the
 * SHA-256 and size of the archive (checked on restore), and when it was taken.
 */
public record Snapshot(String id, String instanceId, String objectKey, String sha256, long sizeBytes,
                       Instant createdAt) {
}
