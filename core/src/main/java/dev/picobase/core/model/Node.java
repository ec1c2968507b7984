package dev.picobase.core.model;

import java.time.Duration;
import java.time.Instant;

/**
 * A PicoBase node of a cluster as registered in the metadata database: its id, the {@code host:port}
 * at which other nodes reach its gateway, when this incarnation started, and its last heartbeat.
 * {@code heartbeatAge} and {@code instancesHeld} (live leases) are computed by the database against
 * its own clock, so they mean the same on every node whatever the nodes' clocks say.
 */
public record Node(String id, String address, Instant startedAt, Instant heartbeatAt, Duration heartbeatAge,
                   int instancesHeld) {
}
