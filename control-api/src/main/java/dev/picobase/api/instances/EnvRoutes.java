package dev.picobase.api.instances;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.auth.Caller;
import dev.picobase.api.auth.Sessions;
import dev.picobase.api.cluster.OwnerCalls;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.api.http.Router;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.model.Instance;
import dev.picobase.core.runtime.InstanceDeletedException;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.secret.SecretBox;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /api/instances/:id/env}: an instance's secrets, passed to its PocketBase as environment
 * variables (hooks read them with {@code $os.getenv}). Set in one call ({@code {"vars": {"NAME":
 * "value"}}}), deleted one by one, listed by name and when set: a value is never answered, logged
 * or stored in clear ({@link SecretBox}). A change restarts a running instance (requests held
 * meanwhile) so that it applies at once. Owner only; in a cluster the node running the instance acts.
 *
 * <p>Threading: handlers block (database, a restart); the API's blocking executor.
 */
public final class EnvRoutes {
    /** POSIX-style names; a letter or underscore first. */
    private static final Pattern NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");
    /**
     * Names the platform keeps: the ones PocketBase's process is given by the platform, those that
     * change how the OS loads code into it or how the Go runtime behaves on a shared host, and the
     * platform's own prefix.
     */
    private static final Set<String> RESERVED = Set.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER",
            "SHELL", "PWD", "GODEBUG", "GOGC", "GOMAXPROCS", "GOMEMLIMIT", "GOTRACEBACK");
    private static final List<String> RESERVED_PREFIXES = List.of("LD_", "PICOBASE_");
    static final int MAX_VARS = 50;
    static final int MAX_VALUE_BYTES = 4096;

    record VarView(String name, Instant setAt) {}

    private final MetadataStore store;
    private final Sessions sessions;
    private final InstanceRoutes instances;
    private final PicoBaseConfig config;
    private final InstanceLifecycle lifecycle;
    private final OwnerCalls owners;
    private final SecretBox box;

    public EnvRoutes(MetadataStore store, Sessions sessions, InstanceRoutes instances, PicoBaseConfig config,
                     InstanceLifecycle lifecycle, OwnerCalls owners, SecretBox box) {
        this.store = store;
        this.sessions = sessions;
        this.instances = instances;
        this.config = config;
        this.lifecycle = lifecycle;
        this.owners = owners;
        this.box = box;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/instances/:id/env", this::list)
                .add(HttpMethod.PUT, "/api/instances/:id/env", this::put)
                .add(HttpMethod.DELETE, "/api/instances/:id/env/:name", this::delete);
    }

    /** {@code {"vars": [{name, setAt}]}}, by name; never a value. */
    private ApiResponse list(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        return ApiResponse.ok(Map.of("vars", views(instance.id())));
    }

    private ApiResponse put(ApiRequest request) {
        Caller caller = sessions.require(request);
        Instance instance = instances.owned(request, caller);
        JsonNode body = Json.read(request, JsonNode.class);
        JsonNode vars = body.path("vars");
        if (!body.isObject() || !vars.isObject() || vars.isEmpty()) {
            throw ApiException.invalid("vars", "send {\"vars\": {\"NAME\": \"value\", ...}} with at least one variable");
        }
        Map<String, String> sealed = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> v = it.next();
            String name = checkedName(v.getKey());
            if (!v.getValue().isTextual()) {
                throw ApiException.invalid("vars." + name, "the value of " + name + " must be a string");
            }
            String value = v.getValue().asText();
            if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_VALUE_BYTES || value.indexOf('\0') >= 0) {
                throw ApiException.invalid("vars." + name, "the value of " + name + " must be at most "
                        + MAX_VALUE_BYTES + " bytes, without NUL characters");
            }
            sealed.put(name, box.encrypt(instance.id(), name, value));
        }
        return owners.onOwner(request, caller, instance.id(), () -> {
            if (!store.putSecrets(instance.id(), sealed, MAX_VARS)) {
                throw ApiException.invalid("vars", "an instance may have at most " + MAX_VARS + " variables");
            }
            return answer(instance.id());
        }, () -> {});
    }

    private ApiResponse delete(ApiRequest request) {
        Caller caller = sessions.require(request);
        Instance instance = instances.owned(request, caller);
        String name = request.pathParam("name");
        return owners.onOwner(request, caller, instance.id(), () -> {
            if (!store.deleteSecret(instance.id(), name)) {
                throw ApiException.notFound("no variable " + name + " on this instance");
            }
            return answer(instance.id());
        }, () -> {});
    }

    /** The variables after a change, and the instance, restarted on them if it was running. */
    private ApiResponse answer(String instanceId) {
        Instance after;
        try {
            after = lifecycle.restartIfRunning(instanceId);
        } catch (InstanceDeletedException e) {
            throw ApiException.notFound("no such instance");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("vars", views(instanceId));
        body.put("instance", InstanceView.of(after, config));
        return ApiResponse.ok(body);
    }

    private List<VarView> views(String instanceId) {
        return store.listSecrets(instanceId).stream().map(s -> new VarView(s.name(), s.setAt())).toList();
    }

    private static String checkedName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw ApiException.invalid("vars", "'" + (name.length() > 64 ? name.substring(0, 64) + "…" : name)
                    + "' is not a valid name: capital letters, digits and _, not starting with a digit, at most 64");
        }
        if (RESERVED.contains(name) || RESERVED_PREFIXES.stream().anyMatch(name::startsWith)) {
            throw ApiException.invalid("vars", name + " is kept by the platform (reserved: "
                    + String.join(", ", new java.util.TreeSet<>(RESERVED)) + ", and names starting with LD_ or PICOBASE_)");
        }
        return name;
    }
}
