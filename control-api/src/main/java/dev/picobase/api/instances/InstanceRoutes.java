package dev.picobase.api.instances;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.ControlEvents;
import dev.picobase.api.auth.Caller;
import dev.picobase.api.cluster.OwnerCalls;
import dev.picobase.api.auth.Sessions;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.api.http.Router;
import dev.picobase.api.http.Validate;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.config.RateLimit;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.ApiKey;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.model.SnapshotReason;
import dev.picobase.core.model.Subdomains;
import dev.picobase.core.snapshot.SnapshotCorruptException;
import dev.picobase.core.runtime.InstanceDeletedException;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.runtime.UnsavedDataException;
import dev.picobase.core.runtime.HoldLimitException;
import dev.picobase.core.runtime.InstanceElsewhereException;
import dev.picobase.core.runtime.TenantNotice;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import dev.picobase.core.storage.StoredObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/instances}: list, create, read, start, stop, delete, logs, and the subdomain check the
 * create dialog uses as the user types. Every call resolves the instance through its owner: an
 * instance of another user is answered exactly like one that does not exist (404). In a cluster,
 * the calls that act on a running instance go to the node that holds its lease ({@link OwnerCalls}).
 *
 * <p>Threading: handlers block (database); they run on the API's blocking executor.
 */
public final class InstanceRoutes {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InstanceRoutes.class);
    record CreateInstance(String name, String subdomain, From from) {}

    /** A clone's source: one of the caller's instances, and one of its snapshots (its current one if absent). */
    record From(String instanceId, String snapshotId) {}

    record Restore(String snapshotId) {}

    /**
     * A snapshot as listed: {@code current} marks the one the next start uses; {@code nodeId} is the
     * node that saved it (null on a single node) and {@code note} says why a backup is not current
     * (null for ordinary backups), e.g. the unsaved writes of a node that lost the instance's lease;
     * {@code reason} says why it was taken ({@code stop}, {@code periodic}, {@code manual},
     * {@code before_restore}, {@code set_aside}; null for backups taken before reasons were recorded).
     */
    record BackupView(String id, Instant createdAt, long sizeBytes, String sha256, boolean current, String nodeId,
                      String note, String reason) {
        static BackupView of(Snapshot s, String currentId) {
            return new BackupView(s.id(), s.createdAt(), s.sizeBytes(), s.sha256(), s.id().equals(currentId),
                    s.nodeId().orElse(null), s.note().orElse(null), s.reason().map(SnapshotReason::code).orElse(null));
        }
    }

    /** A backup's time in its download's file name: no characters a file system or a shell minds. */
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final MetadataStore store;
    private final Sessions sessions;
    private final PicoBaseConfig config;
    private final InstanceLifecycle lifecycle;
    private final ControlEvents events;
    private final Subdomains subdomains;
    private final OwnerCalls owners;

    public InstanceRoutes(MetadataStore store, Sessions sessions, PicoBaseConfig config, InstanceLifecycle lifecycle,
                          ControlEvents events, OwnerCalls owners) {
        this.store = store;
        this.owners = owners;
        this.sessions = sessions;
        this.config = config;
        this.lifecycle = lifecycle;
        this.events = events;
        this.subdomains = new Subdomains(config.reservedSubdomains());
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/instances", this::list)
                .add(HttpMethod.POST, "/api/instances", this::create)
                .add(HttpMethod.GET, "/api/instances/:id", r -> ApiResponse.ok(view(owned(r, sessions.require(r)))))
                .add(HttpMethod.POST, "/api/instances/:id/start", this::start)
                .add(HttpMethod.POST, "/api/instances/:id/stop", this::stop)
                .add(HttpMethod.DELETE, "/api/instances/:id", this::delete)
                .add(HttpMethod.PATCH, "/api/instances/:id", this::update)
                .add(HttpMethod.GET, "/api/instances/:id/logs", this::logs)
                .add(HttpMethod.GET, "/api/instances/:id/backups", this::backups)
                .add(HttpMethod.POST, "/api/instances/:id/backups", this::backUp)
                .add(HttpMethod.GET, "/api/instances/:id/backups/:snapshotId/download", this::download)
                .add(HttpMethod.POST, "/api/instances/:id/restore", this::restore)
                .add(HttpMethod.GET, "/api/subdomains/:subdomain", this::checkSubdomain);
    }

    /** The instance named by the {@code :id} path parameter, if {@code caller} owns it; else 404. */
    public Instance owned(ApiRequest request, Caller caller) {
        return store.findInstance(request.pathParam("id"))
                .filter(i -> i.ownerId().equals(caller.userId()))
                .orElseThrow(() -> ApiException.notFound("no such instance"));
    }

    private ApiResponse list(ApiRequest request) {
        Caller caller = sessions.require(request);
        return ApiResponse.ok(Map.of("instances", store.listInstances(caller.userId()).stream().map(this::view).toList()));
    }

    private ApiResponse create(ApiRequest request) {
        Caller caller = sessions.require(request);
        CreateInstance body = Json.read(request, CreateInstance.class);
        String name = Validate.text("name", body.name(), 1, 100);
        String subdomain = Validate.text("subdomain", body.subdomain(), 1, 63);
        subdomains.problem(subdomain).ifPresent(p -> {
            throw ApiException.invalid("subdomain", "subdomain " + p);
        });
        Snapshot source = body.from() == null ? null : cloneSource(caller, body.from());
        Instance created = store.createInstance(caller.userId(), name, subdomain)
                .orElseThrow(() -> ApiException.conflict("subdomain_taken", "subdomain",
                        "the subdomain '" + subdomain + "' is already taken"));
        if (source != null) {
            try {
                lifecycle.seed(created.id(), source);
            } catch (RuntimeException e) { // nothing half-made is left: the new instance goes again
                LOG.warn("instance {}: clone of {} failed: {}", created.id(), source.id(), e.toString());
                lifecycle.delete(created.id());
                if (e instanceof SnapshotCorruptException) {
                    throw ApiException.conflict("snapshot_corrupt", "from.snapshotId", e.getMessage());
                }
                throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "clone_failed",
                        "the snapshot could not be copied; try again shortly", null, Map.of("Retry-After", "5"));
            }
        }
        events.instanceCreated(created);
        return ApiResponse.created(view(created));
    }

    /**
     * The snapshot a clone starts from: {@code from.snapshotId} of the caller's instance
     * {@code from.instanceId}, or that instance's current snapshot. Another user's instance is a 404.
     */
    private Snapshot cloneSource(Caller caller, From from) {
        String sourceId = Validate.text("from.instanceId", from.instanceId(), 1, 64);
        Instance sourceInstance = store.findInstance(sourceId).filter(i -> i.ownerId().equals(caller.userId()))
                .orElseThrow(() -> ApiException.notFound("no such instance to clone"));
        if (from.snapshotId() == null) {
            return store.latestSnapshot(sourceInstance.id()).orElseThrow(() -> ApiException.conflict(
                    "nothing_to_clone", "from.instanceId", "that instance has no saved data yet: start it once, "
                            + "or back it up"));
        }
        return lifecycle.snapshots(sourceInstance.id()).stream().filter(s -> s.id().equals(from.snapshotId()))
                .findFirst().orElseThrow(() -> ApiException.invalid("from.snapshotId",
                        "no such snapshot of that instance"));
    }

    /** Starts PocketBase and answers once it is healthy (or with the reason it failed). */
    private ApiResponse start(ApiRequest request) {
        Caller caller = sessions.require(request);
        Instance instance = owned(request, caller);
        if (store.isSuspended(caller.userId())) { // its session is refused too; this covers a race with it
            throw ApiException.forbidden("account_suspended", "this account is suspended; its instances "
                    + "cannot be started");
        }
        return startOn(request, caller, instance);
    }

    /**
     * Starts {@code instance} here or on the node that runs it, for its owner or an operator
     * ({@code AdminRoutes}): 200 with its view once it serves, else 503 with the tenant's notice.
     */
    public ApiResponse startOn(ApiRequest request, Caller caller, Instance instance) {
        return owners.onOwner(request, caller, instance.id(), () -> {
            try {
                return ApiResponse.ok(view(lifecycle.start(instance.id())));
            } catch (HoldLimitException e) { // the platform is shutting down
                throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "start_failed", e.getMessage(), null,
                        Map.of("Retry-After", "5"));
            } catch (InstanceDeletedException e) { // deleted while this waited for the instance
                throw ApiException.notFound("no such instance");
            } catch (InstanceElsewhereException e) {
                throw e; // another node took it meanwhile: the call goes there
            } catch (RuntimeException e) { // logged whole by the lifecycle; the tenant gets what, not where
                TenantNotice notice = TenantNotice.of(e);
                throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, notice.code(), notice.message(), null,
                        Map.of("Retry-After", "5"));
            }
        }, () -> {});
    }

    private ApiResponse stop(ApiRequest request) {
        Caller caller = sessions.require(request);
        return stopOn(request, caller, owned(request, caller), null);
    }

    /**
     * Stops {@code instance} (saving it) here or on the node that runs it, for its owner or an operator:
     * 200 with its view. {@code forwardPath}, when not null, is the call sent to that node instead of
     * {@code request} (a suspension stops each instance of the account with its own call).
     */
    public ApiResponse stopOn(ApiRequest request, Caller caller, Instance instance, String forwardPath) {
        java.util.function.Supplier<ApiResponse> here = () -> {
            try {
                return ApiResponse.ok(view(lifecycle.stop(instance.id())));
            } catch (InstanceDeletedException e) { // deleted while this waited for the instance
                throw ApiException.notFound("no such instance");
            }
        };
        return forwardPath == null ? owners.onOwner(request, caller, instance.id(), here, () -> {})
                : owners.onOwnerAs(request, caller, instance.id(), forwardPath, here);
    }

    /**
     * Stops the instance and deletes its data everywhere, then its row and keys. The gateway stops
     * routing to it and forgets its keys first, so no request wakes it while it is being deleted. In
     * a cluster the node running it deletes it; this node forgets it as soon as that node answers.
     * Without a cluster secret to send it on with, this node deletes it and the owner finishes the
     * delete on its side when it reads the change from the database.
     */
    private ApiResponse delete(ApiRequest request) {
        Caller caller = sessions.require(request);
        Instance instance = owned(request, caller);
        List<String> keyIds = store.listApiKeys(instance.id()).stream().map(ApiKey::id).toList();
        return owners.onOwner(request, caller, instance.id(), () -> {
            events.instanceDeleting(instance, keyIds);
            if (!lifecycle.delete(instance.id())) {
                throw ApiException.notFound("no such instance");
            }
            return ApiResponse.noContent();
        }, () -> events.instanceDeleting(instance, keyIds), true);
    }

    /**
     * Renames the instance and/or sets its own idle timeout and request rate limit: {@code {"name": "...",
     * "idleTimeoutSeconds": 600, "rateLimit": {"requestsPerMinute": 600, "perAddress": false}}}; null for
     * either goes back to the platform default. All in one statement.
     */
    private ApiResponse update(ApiRequest request) {
        Instance instance = owned(request, sessions.require(request));
        JsonNode body = Json.read(request, JsonNode.class);
        if (!body.isObject()) {
            throw ApiException.badRequest("malformed_json", "the request body must be a JSON object");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("name") && !f.equals("idleTimeoutSeconds") && !f.equals("rateLimit")) {
                throw ApiException.invalid(f, "unknown field '" + f + "'");
            }
        });
        String name = null;
        if (body.has("name")) {
            if (!body.get("name").isTextual()) {
                throw ApiException.invalid("name", "field 'name' must be a string");
            }
            name = Validate.text("name", body.get("name").asText(), 1, 100);
        }
        boolean setIdle = body.has("idleTimeoutSeconds");
        Long idle = null;
        if (setIdle && !body.get("idleTimeoutSeconds").isNull()) {
            JsonNode value = body.get("idleTimeoutSeconds");
            if (!value.isIntegralNumber() || value.asLong() < 10 || value.asLong() > 7 * 24 * 3600) {
                throw ApiException.invalid("idleTimeoutSeconds",
                        "idleTimeoutSeconds must be a whole number of seconds from 10 to 604800, or null");
            }
            idle = value.asLong();
        }
        boolean setRate = body.has("rateLimit");
        Optional<RateLimit> rate = setRate ? rateLimit(body.get("rateLimit")) : Optional.empty();
        Instance updated = store.updateInstance(instance.id(), name, idle, setIdle, rate, setRate)
                .orElseThrow(() -> ApiException.notFound("no such instance"));
        lifecycle.idleTimeout(updated.id(), updated.idleTimeout());
        if (setRate) {
            events.rateLimitChanged(updated);
        }
        return ApiResponse.ok(view(updated));
    }

    /** {@code {"requestsPerMinute": 1..1000000, "perAddress": false}} (perAddress optional), or null. */
    private static Optional<RateLimit> rateLimit(JsonNode value) {
        if (value.isNull()) {
            return Optional.empty();
        }
        if (!value.isObject()) {
            throw ApiException.invalid("rateLimit", "rateLimit must be an object {\"requestsPerMinute\": N, "
                    + "\"perAddress\": true|false}, or null");
        }
        value.fieldNames().forEachRemaining(f -> {
            if (!f.equals("requestsPerMinute") && !f.equals("perAddress")) {
                throw ApiException.invalid("rateLimit", "unknown field 'rateLimit." + f + "'");
            }
        });
        JsonNode perMinute = value.get("requestsPerMinute");
        if (perMinute == null || !perMinute.isIntegralNumber() || perMinute.asLong() < 1
                || perMinute.asLong() > RateLimit.MAX_PER_MINUTE) {
            throw ApiException.invalid("rateLimit", "rateLimit.requestsPerMinute must be a whole number from 1 to "
                    + RateLimit.MAX_PER_MINUTE);
        }
        JsonNode perAddress = value.get("perAddress");
        if (perAddress != null && !perAddress.isBoolean() && !perAddress.isNull()) {
            throw ApiException.invalid("rateLimit", "rateLimit.perAddress must be true or false");
        }
        return Optional.of(new RateLimit(perMinute.asInt(), perAddress != null && perAddress.asBoolean()));
    }

    /** The instance's snapshots, newest first. */
    private ApiResponse backups(ApiRequest request) {
        Instance instance = owned(request, sessions.require(request));
        List<Snapshot> all = lifecycle.snapshots(instance.id());
        String current = store.latestSnapshot(instance.id()).map(Snapshot::id).orElse(null);
        return ApiResponse.ok(Map.of("backups", all.stream().map(s -> BackupView.of(s, current)).toList()));
    }

    /**
     * Takes a backup now, running or stopped ({@link InstanceLifecycle#backUp}); 201 with it as listed.
     * No body. A running instance is copied on the node running it (forwarded there in a cluster).
     */
    private ApiResponse backUp(ApiRequest request) {
        Caller caller = sessions.require(request);
        Instance instance = owned(request, caller);
        return owners.onOwner(request, caller, instance.id(), () -> {
            try {
                Snapshot taken = lifecycle.backUp(instance.id());
                return ApiResponse.created(BackupView.of(taken, taken.id()));
            } catch (InstanceDeletedException e) {
                throw ApiException.notFound("no such instance");
            } catch (HoldLimitException e) { // one is being taken
                throw ApiException.rateLimited(e.getMessage(), 5);
            } catch (java.util.NoSuchElementException e) {
                throw ApiException.conflict("nothing_to_back_up", null, e.getMessage());
            } catch (SnapshotCorruptException e) {
                throw ApiException.conflict("snapshot_corrupt", null, e.getMessage());
            } catch (InstanceElsewhereException e) {
                throw e; // another node runs it: the call goes there
            } catch (RuntimeException e) { // the whole cause for the operator; the tenant gets what, not where
                LOG.warn("instance {}: manual backup failed: {}", instance.id(), e.toString());
                throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "backup_failed",
                        "the backup could not be taken; try again shortly", null, Map.of("Retry-After", "5"));
            }
        }, () -> {});
    }

    /**
     * One backup's zip, exactly as stored (the bytes its {@code sha256} was taken of), streamed from the
     * object store: {@code <subdomain>-<createdAt>-<snapshotId>.zip}. Any node serves it (the store is
     * shared); nothing is staged on disk or held whole in memory.
     */
    private ApiResponse download(ApiRequest request) {
        Instance instance = owned(request, sessions.require(request));
        String snapshotId = request.pathParam("snapshotId");
        Snapshot snapshot = lifecycle.snapshots(instance.id()).stream().filter(s -> s.id().equals(snapshotId))
                .findFirst().orElseThrow(() -> ApiException.notFound("no such backup of this instance"));
        StoredObject object = lifecycle.open(snapshot)
                .orElseThrow(() -> ApiException.notFound("no such backup of this instance")); // pruned meanwhile
        String filename = instance.subdomain() + "-" + FILE_TIME.format(snapshot.createdAt()) + "-" + snapshot.id()
                + ".zip";
        return ApiResponse.download(new ApiResponse.Download(object.content(), object.size(), "application/zip",
                filename));
    }

    /** Replaces the instance's data with one of its snapshots (the current data is saved first). */
    private ApiResponse restore(ApiRequest request) {
        Caller caller = sessions.require(request);
        Instance instance = owned(request, caller);
        Restore body = Json.read(request, Restore.class);
        String snapshotId = Validate.text("snapshotId", body.snapshotId(), 1, 64);
        return owners.onOwner(request, caller, instance.id(), () -> {
            try {
                // Looked up by the lifecycle under the instance's lock: a save in between may prune it.
                return ApiResponse.ok(view(lifecycle.restore(instance.id(), snapshotId)));
            } catch (java.util.NoSuchElementException e) {
                throw ApiException.invalid("snapshotId", "no such snapshot of this instance");
            } catch (SnapshotCorruptException e) {
                throw ApiException.conflict("snapshot_corrupt", "snapshotId", e.getMessage());
            } catch (UnsavedDataException e) {
                throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "save_failed", e.getMessage(), null,
                        Map.of("Retry-After", "30"));
            } catch (InstanceDeletedException e) {
                throw ApiException.notFound("no such instance");
            }
        }, () -> {});
    }

    /** The most recent lines PocketBase printed ({@code ?lines=}, 1–1000, default 200). */
    private ApiResponse logs(ApiRequest request) {
        Caller caller = sessions.require(request);
        Instance instance = owned(request, caller);
        int lines = 200;
        List<String> param = request.query().get("lines");
        if (param != null && !param.isEmpty()) {
            try {
                lines = Integer.parseInt(param.get(0));
            } catch (NumberFormatException e) {
                lines = -1;
            }
            if (lines < 1 || lines > 1000) {
                throw ApiException.invalid("lines", "lines must be a whole number from 1 to 1000");
            }
        }
        int count = lines;
        return owners.onOwner(request, caller, instance.id(),
                () -> ApiResponse.ok(Map.of("lines", lifecycle.logs(instance.id(), count))), () -> {});
    }

    private ApiResponse checkSubdomain(ApiRequest request) {
        sessions.require(request);
        String candidate = request.pathParam("subdomain");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("subdomain", candidate);
        String problem = subdomains.problem(candidate).map(p -> "subdomain " + p).orElse(null);
        if (problem == null && store.findInstanceBySubdomain(candidate).isPresent()) {
            problem = "the subdomain '" + candidate + "' is already taken";
        }
        result.put("available", problem == null);
        result.put("url", problem == null ? config.instanceUrl(candidate) : null);
        result.put("problem", problem);
        return ApiResponse.ok(result);
    }

    private InstanceView view(Instance instance) {
        return InstanceView.of(instance, config);
    }
}
