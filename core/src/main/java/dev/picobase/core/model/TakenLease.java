package dev.picobase.core.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A lease just taken, with the instance's current snapshot as the same statement saw it. A node
 * waking an instance must learn which snapshot to restore after it holds the lease (before that,
 * the previous holder may still move the pointer), and with Turso far away the wake may make one
 * metadata round trip, so both come from the one statement that takes the lease — and so does the
 * instance's own idle timeout and its secrets (encrypted), which a start needs too. {@code takeover}: another node held the lease
 * and did not give it back (it died, paused or was cut off), rather than a first take or a handover.
 */
public record TakenLease(Lease lease, Optional<Snapshot> current, boolean takeover, Optional<Duration> idleTimeout,
        List<StoredSecret> secrets) {
}
