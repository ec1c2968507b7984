package dev.picobase.bench;

import dev.picobase.bench.relay.MetadataStatements;
import dev.picobase.bench.relay.RelayedRequest;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The platform's metadata statements that run on timers or in the background, whatever request is
 * being measured, so that a count of the statements a request itself waits for can leave them out:
 * cluster sync polls (every 500 ms), node heartbeats and lease renewals (every lease TTL / 3), key
 * re-checks (a valid key's verdict older than a second is re-read in the background while it keeps
 * being served; the benchmarks' keys are always cached, so every key read is one) and last-use and
 * activity recording, and the driver's {@code SELECT 1} when it opens a connection for one of those.
 * Matched on the statements' opening words as {@code MetadataStore} writes them;
 * a statement that matches none counts as the request's own. Every relayed request is kept in the
 * benchmark's JSON with its label, so a statement that changes wording shows up there.
 */
final class BackgroundStatements {
    private record Kind(String name, String prefix) {}

    /** What the libSQL driver sends when it opens a connection. */
    private static final String CONNECTION_CHECK = "select 1";

    private static final List<Kind> KINDS = List.of(
            new Kind("cluster sync poll", "select id, kind, instance_id, subdomain, key_id from cluster_events"),
            new Kind("cluster sync prune", "delete from cluster_events"),
            new Kind("heartbeat", "update nodes set heartbeat_at"),
            new Kind("lease renewal", "update leases set expires_at = cast(unixepoch"),
            new Kind("key re-check", "select id, instance_id, name, secret_hash"),
            new Kind("key last use", "update api_keys set last_used_at"),
            new Kind("instance activity", "update instances set last_activity_at"));

    private BackgroundStatements() {}

    /**
     * Which background work the request is, or empty when it belongs to the request being measured.
     * The driver's {@code SELECT 1} on opening a connection belongs to the statement that follows it on
     * that connection, which is looked for in {@code all} (every request the relay recorded).
     */
    static Optional<String> kind(RelayedRequest request, List<RelayedRequest> all) {
        if (request.statements().isEmpty()) {
            return Optional.empty();
        }
        String sql = MetadataStatements.normalized(request.statements().get(0));
        if (sql.equals(CONNECTION_CHECK)) {
            return all.stream()
                    .filter(r -> r.connection() == request.connection() && r.startNanos() - request.startNanos() > 0)
                    .min(Comparator.comparingLong(r -> r.startNanos() - request.startNanos()))
                    .filter(next -> !MetadataStatements.normalized(next.statements().isEmpty() ? ""
                            : next.statements().get(0)).equals(CONNECTION_CHECK))
                    .flatMap(next -> kind(next, all))
                    .map(k -> "connection opened for a " + k);
        }
        return KINDS.stream().filter(k -> sql.startsWith(k.prefix())).map(Kind::name).findFirst();
    }

    /** The requests of {@code window} that are not background work, in order. */
    static List<RelayedRequest> own(List<RelayedRequest> window, List<RelayedRequest> all) {
        return window.stream().filter(r -> kind(r, all).isEmpty()).toList();
    }
}
