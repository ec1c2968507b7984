package dev.picobase.core.model;

import java.time.Instant;

/**
 * The right of one node to run one instance, as the metadata database sees it. {@code epoch} goes
 * up by one every time the lease is taken (by another node, or again by the same node after a
 * restart), and every snapshot-pointer move is conditional on it, so a node that lost the lease
 * can never overwrite newer data. {@code expiresAt} is by the database's clock; {@code live} is the
 * database's verdict ({@code expiresAt} not yet passed) at the moment of the read. A node must not
 * compare {@code expiresAt} with its own wall clock: it measures its own safety margin on its
 * monotonic clock from the moment it sent the statement that took or renewed the lease.
 */
public record Lease(String instanceId, String nodeId, long epoch, Instant expiresAt, boolean live) {
}
