package dev.picobase.bench;

import dev.picobase.bench.relay.MetadataStatements;
import dev.picobase.bench.relay.RelayedRequest;
import java.util.List;
import java.util.Optional;

/**
 * The platform's metadata statements that run on timers or in the background, whatever request is
 * being measured, so that a count of the statements a request itself waits for can leave them out:
 * cluster sync polls (every 500 ms), node heartbeats and lease renewals (every lease TTL / 3), key
 * re-checks (a valid key's verdict older than a second is re-read in the background while it keeps
 * being served; the benchmarks' keys are always cached, so every key read is one) and last-use and
 * activity recording. Matched on the statements' opening words as {@code MetadataStore} writes them;
 * a statement that matches none counts as the request's own. Every relayed request is kept in the
 * benchmark's JSON with its label, so a statement that changes wording shows up there.
 */
final class BackgroundStatements {
    private record Kind(String name, String prefix) {}

    private static final List<Kind> KINDS = List.of(
            new Kind("cluster sync poll", "select id, kind, instance_id, subdomain, key_id from cluster_events"),
            new Kind("cluster sync prune", "delete from cluster_events"),
            new Kind("heartbeat", "update nodes set heartbeat_at"),
            new Kind("lease renewal", "update leases set expires_at = cast(unixepoch"),
            new Kind("key re-check", "select id, instance_id, name, secret_hash"),
            new Kind("key last use", "update api_keys set last_used_at"),
            new Kind("instance activity", "update instances set last_activity_at"));

    private BackgroundStatements() {}

    /** Which background work the request is, or empty when it belongs to the request being measured. */
    static Optional<String> kind(RelayedRequest request) {
        if (request.statements().isEmpty()) {
            return Optional.empty();
        }
        String sql = MetadataStatements.normalized(request.statements().get(0));
        return KINDS.stream().filter(k -> sql.startsWith(k.prefix())).map(Kind::name).findFirst();
    }

    static boolean background(RelayedRequest request) {
        return kind(request).isPresent();
    }

    /** The requests that are not background work, in order. */
    static List<RelayedRequest> own(List<RelayedRequest> requests) {
        return requests.stream().filter(r -> !background(r)).toList();
    }
}
