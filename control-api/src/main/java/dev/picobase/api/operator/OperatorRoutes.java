package dev.picobase.api.operator;

import dev.picobase.api.Version;
import dev.picobase.api.http.Json;
import dev.picobase.api.metrics.ManagementServer.JsonReply;
import dev.picobase.api.metrics.ManagementServer.Route;
import dev.picobase.core.backup.MetadataBackupSchedule;
import dev.picobase.core.backup.MetadataBackups;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceOverview;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.model.Lease;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.store.MetadataStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The management port's JSON routes for operators, read by {@code ./picobase status}, {@code instances}
 * and {@code logs} ({@code dev.picobase.api.cli.Cli}):
 * <ul>
 *   <li>{@code /status}: version and commit, uptime, this node and the cluster's nodes, instances by
 *       status (one {@code GROUP BY}), requests held for a wake-up, disk used (a walk of the data
 *       directory, and the disk budget's count of local copies), and the metadata database's last
 *       backup ({@code metadataBackup}: {@code lastSuccessAt}, {@code lastKey}, {@code lastError},
 *       {@code lastAttemptAt}, and {@code skipped} saying why none are taken, with Turso or turned off);
 *   <li>{@code /instances}: every instance with its owner's email, status, last activity, current
 *       snapshot size, (cluster) the node running it and the whole cause of a failed start, in one
 *       statement; loopback-only (emails);
 *   <li>{@code /logs/<subdomain>?lines=N} (1–1000, default 200): the instance's recent PocketBase
 *       output as this node has it; loopback-only (tenants' data);
 *   <li>{@code /cluster}: the nodes sharing the metadata database.
 * </ul>
 * Logs are node-local, as PocketBase's output is: in a cluster the answer names the node that runs
 * the instance ({@code servedBy}) when that is another node, whose own {@code /logs} has the lines
 * of the current run; these are the lines of runs on this node (possibly none). Nothing is forwarded.
 *
 * <p>Threading: called on the management port's single thread; blocks on the metadata database.
 */
public final class OperatorRoutes {
    static final int DEFAULT_LOG_LINES = 200;
    static final int MAX_LOG_LINES = 1000;

    private final MetadataStore store;
    private final InstanceLifecycle lifecycle;
    private final Path dataDir;
    private final long diskBudgetBytes;
    private final Instant startedAt;
    private final long startedNanos;
    private final MetadataBackupSchedule metadataBackups;

    public OperatorRoutes(MetadataStore store, InstanceLifecycle lifecycle, Path dataDir, long diskBudgetBytes,
                          Instant startedAt, MetadataBackupSchedule metadataBackups) {
        this.metadataBackups = metadataBackups;
        this.store = store;
        this.lifecycle = lifecycle;
        this.dataDir = dataDir;
        this.diskBudgetBytes = diskBudgetBytes;
        this.startedAt = startedAt;
        this.startedNanos = System.nanoTime();
    }

    public List<Route> routes() {
        return List.of(
                new Route("/status", false, uri -> ok(status())),
                new Route("/cluster", false, uri -> ok(cluster())),
                new Route("/instances", true, uri -> ok(Map.of("instances", instances()))),
                new Route("/logs/", true, this::logs));
    }

    private boolean inCluster() {
        return lifecycle.leases().enabled();
    }

    private String self() {
        return inCluster() ? lifecycle.leases().nodeId() : null;
    }

    record NodeView(String id, String address, String apiAddress, Instant startedAt, Instant lastHeartbeat,
                    long heartbeatAgeMillis, int instancesHeld) {}

    private List<NodeView> nodes() {
        return inCluster() ? store.listNodes().stream().map(n -> new NodeView(n.id(), n.address(), n.apiAddress(),
                n.startedAt(), n.heartbeatAt(), n.heartbeatAge().toMillis(), n.instancesHeld())).toList() : List.of();
    }

    /**
     * {@code GET /cluster}: every node registered in the shared metadata database, with its address,
     * last heartbeat (age by the database's clock) and live leases; and which node answered. A single
     * node on the embedded SQLite file lists none.
     */
    Map<String, Object> cluster() {
        Map<String, Object> listing = new LinkedHashMap<>();
        listing.put("self", self());
        listing.put("nodes", nodes());
        return listing;
    }

    Map<String, Object> status() {
        Map<InstanceStatus, Long> counts = store.countInstancesByStatus();
        Map<String, Long> instances = new LinkedHashMap<>();
        instances.put("total", counts.values().stream().mapToLong(Long::longValue).sum());
        for (InstanceStatus s : InstanceStatus.values()) {
            instances.put(s.wireName(), counts.getOrDefault(s, 0L));
        }
        Version version = Version.current();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("version", version.version());
        status.put("commit", version.commit());
        status.put("startedAt", startedAt);
        status.put("uptimeSeconds", Duration.ofNanos(System.nanoTime() - startedNanos).toSeconds());
        status.put("node", self());
        status.put("nodes", nodes());
        status.put("instances", instances);
        status.put("heldRequests", lifecycle.heldRequests());
        status.put("dataDir", dataDir.toAbsolutePath().toString());
        status.put("dataDirBytes", bytesUnder(dataDir));
        status.put("localCopiesBytes", lifecycle.localCopiesBytes());
        status.put("diskBudgetBytes", diskBudgetBytes);
        status.put("metadataBackup", metadataBackup());
        return status;
    }

    private Map<String, Object> metadataBackup() {
        MetadataBackups.Status s = metadataBackups.backups().map(MetadataBackups::status)
                .orElse(new MetadataBackups.Status(null, null, null, null));
        Map<String, Object> backup = new LinkedHashMap<>();
        backup.put("lastSuccessAt", s.lastSuccessAt());
        backup.put("lastKey", s.lastKey());
        backup.put("lastError", s.lastError());
        backup.put("lastAttemptAt", s.lastAttemptAt());
        backup.put("skipped", metadataBackups.skipped().orElse(null));
        return backup;
    }

    /**
     * The size of the files under {@code dir} now (what {@code du --apparent-size} says): the platform's
     * whole disk use, running instances' growth included, which the disk budget's bookkeeping (sizes at
     * each copy's last save) is not. Files that vanish during the walk (a save renaming a copy) are skipped.
     */
    static long bytesUnder(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // walkFileTree reports per-file failures to the visitor; nothing else is expected here
        }
        return total[0];
    }

    record InstanceRow(String subdomain, String id, String name, String owner, String status, String statusReason,
                       Instant lastActivityAt, Long latestSnapshotBytes, Instant latestSnapshotAt, String node,
                       String failureCause) {}

    List<InstanceRow> instances() {
        return store.listInstanceOverviews().stream().map(OperatorRoutes::row).toList();
    }

    private static InstanceRow row(InstanceOverview o) {
        Instance i = o.instance();
        return new InstanceRow(i.subdomain(), i.id(), i.name(), o.ownerEmail(), i.status().wireName(),
                i.statusReason().orElse(null), i.lastActivityAt().orElse(null),
                o.latestSnapshotBytes().isPresent() ? o.latestSnapshotBytes().getAsLong() : null,
                o.latestSnapshotAt().orElse(null), o.leaseNode().orElse(null), o.failureCause().orElse(null));
    }

    private JsonReply logs(URI uri) {
        String subdomain = uri.getPath().substring("/logs/".length());
        int lines = DEFAULT_LOG_LINES;
        Optional<String> param = query(uri, "lines");
        if (param.isPresent()) {
            try {
                lines = Integer.parseInt(param.get());
            } catch (NumberFormatException e) {
                lines = -1;
            }
            if (lines < 1 || lines > MAX_LOG_LINES) {
                return JsonReply.error(400, "invalid_lines", "lines must be a whole number from 1 to " + MAX_LOG_LINES);
            }
        }
        Optional<Instance> found = store.findInstanceBySubdomain(subdomain);
        if (found.isEmpty()) {
            return JsonReply.error(404, "no_such_instance", "no instance has the subdomain '" + subdomain + "'");
        }
        Instance instance = found.get();
        String servedBy = inCluster() ? store.leaseOf(instance.id()).filter(Lease::live).map(Lease::nodeId)
                .filter(n -> !n.equals(self())).orElse(null) : null;
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("subdomain", instance.subdomain());
        reply.put("instanceId", instance.id());
        reply.put("status", instance.status().wireName());
        reply.put("node", self());
        reply.put("servedBy", servedBy);
        reply.put("lines", lifecycle.logs(instance.id(), lines));
        return ok(reply);
    }

    private static Optional<String> query(URI uri, String name) {
        String raw = uri.getRawQuery();
        if (raw == null) {
            return Optional.empty();
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return Optional.of(java.net.URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    private static JsonReply ok(Object value) {
        return JsonReply.ok(new String(Json.write(value), StandardCharsets.UTF_8));
    }
}
