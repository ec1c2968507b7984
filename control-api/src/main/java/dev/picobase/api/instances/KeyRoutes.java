package dev.picobase.api.instances;

import dev.picobase.api.ControlEvents;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.api.http.Router;
import dev.picobase.api.http.Validate;
import dev.picobase.api.auth.Sessions;
import dev.picobase.core.model.ApiKey;
import dev.picobase.core.model.Instance;
import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;

/**
 * {@code /api/instances/:id/keys}: list (never secrets), create (the full key in that one response
 * only; a bcrypt hash of its secret is all that is stored), delete (immediate: the gateway is told
 * through {@link ControlEvents} so its cache forgets the key at once). An instance has at most
 * {@code PICOBASE_MAX_KEYS_PER_INSTANCE} keys: each costs bcrypt here, and each public id is a
 * separate failed-check budget at the gateway, so keys without a bound were a lever against others.
 *
 * <p>Threading: handlers block (database, bcrypt); they run on the API's blocking executor.
 */
public final class KeyRoutes {
    record CreateKey(String name) {}

    private final MetadataStore store;
    private final Sessions sessions;
    private final InstanceRoutes instances;
    private final Passwords passwords;
    private final ControlEvents events;
    private final int maxKeysPerInstance;

    public KeyRoutes(MetadataStore store, Sessions sessions, InstanceRoutes instances, Passwords passwords,
                     ControlEvents events, int maxKeysPerInstance) {
        this.maxKeysPerInstance = maxKeysPerInstance;
        this.store = store;
        this.sessions = sessions;
        this.instances = instances;
        this.passwords = passwords;
        this.events = events;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/instances/:id/keys", this::list)
                .add(HttpMethod.POST, "/api/instances/:id/keys", this::create)
                .add(HttpMethod.DELETE, "/api/instances/:id/keys/:keyId", this::delete);
    }

    private ApiResponse list(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        return ApiResponse.ok(Map.of("keys", store.listApiKeys(instance.id()).stream().map(KeyView::listed).toList()));
    }

    private ApiResponse create(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        CreateKey body = Json.read(request, CreateKey.class);
        String name = Validate.text("name", body.name(), 1, 100);
        if (store.listApiKeys(instance.id()).size() >= maxKeysPerInstance) {
            throw tooManyKeys(); // before bcrypt: a full instance costs no hashing
        }
        ApiKeySecret secret = ApiKeySecret.generate();
        ApiKey key = store.createApiKey(instance.id(), secret.publicId(), name, passwords.hash(secret.secret()),
                secret.lastFour(), maxKeysPerInstance).orElseThrow(this::tooManyKeys);
        return ApiResponse.created(KeyView.created(key, secret.fullKey()));
    }

    private ApiException tooManyKeys() {
        return ApiException.conflict("too_many_keys", null, "an instance has at most " + maxKeysPerInstance
                + " keys; revoke one first");
    }

    private ApiResponse delete(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        String keyId = request.pathParam("keyId");
        if (!store.deleteApiKey(instance.id(), keyId)) {
            throw ApiException.notFound("no such key");
        }
        events.keyRevoked(keyId);
        return ApiResponse.noContent();
    }
}
