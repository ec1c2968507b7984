package dev.picobase.core.model;

import java.time.Duration;
import java.time.Instant;

/**
 * A PicoBase node of a cluster as registered in the metadata database: its id, the {@code host:port}
 * at which other nodes reach its gateway and its control API ({@code apiAddress}, null for a node
 * registered by a version before it was recorded), when this incarnation started, and its last heartbeat.
 * {@code heartbeatAge} and {@code instancesHeld} (live leases) are computed by the database against
 * its own clock, so they mean the same on every node whatever the nodes' clocks say.
 */
public record Node(String id, String address, String apiAddress, Instant startedAt, Instant heartbeatAt, Duration heartbeatAge,
                   int instancesHeld) {
}
