package dev.picobase.core.model;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One line of the operators' instance listing ({@code ./picobase instances}): the instance, its
 * owner's email, its current snapshot's size and time (empty before its first save), and in a
 * cluster the node holding its live lease (empty when no node runs it, and always on a single node),
 * and the whole cause of its failure while it is {@code failed} by a start that went wrong (for the
 * operators only: a tenant's view never carries it).
 */
public record InstanceOverview(Instance instance, String ownerEmail, OptionalLong latestSnapshotBytes,
                               Optional<Instant> latestSnapshotAt, Optional<String> leaseNode,
                               Optional<String> failureCause) {
}
