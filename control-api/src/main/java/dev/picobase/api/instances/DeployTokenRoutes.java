package dev.picobase.api.instances;

import dev.picobase.api.auth.Sessions;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.api.http.Router;
import dev.picobase.api.http.Validate;
import dev.picobase.core.model.Instance;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /api/instances/:id/deploy-tokens}: tokens that may deploy code to one instance (for CI and
 * {@code ./picobase deploy}) and do nothing else. Created by the signed-in owner, shown once
 * ({@code pbd_...}; only its SHA-256 is kept), listed with when last used, revoked at once.
 *
 * <p>Threading: handlers block (database); the API's blocking executor.
 */
public final class DeployTokenRoutes {
    static final int MAX_PER_INSTANCE = 20;

    record Create(String name) {}

    record TokenView(String id, String name, Instant createdAt, Instant lastUsedAt) {
        static TokenView of(MetadataStore.DeployToken t) {
            return new TokenView(t.id(), t.name(), t.createdAt(), t.lastUsedAt().orElse(null));
        }
    }

    private final MetadataStore store;
    private final Sessions sessions;
    private final InstanceRoutes instances;
    private final DeployCallers callers;

    public DeployTokenRoutes(MetadataStore store, Sessions sessions, InstanceRoutes instances, DeployCallers callers) {
        this.callers = callers;
        this.store = store;
        this.sessions = sessions;
        this.instances = instances;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/instances/:id/deploy-tokens", this::list)
                .add(HttpMethod.POST, "/api/instances/:id/deploy-tokens", this::create)
                .add(HttpMethod.DELETE, "/api/instances/:id/deploy-tokens/:tokenId", this::revoke)
                .add(HttpMethod.GET, "/api/deploy-token", this::self);
    }

    /** For a deploy token itself ({@code ./picobase deploy}): which instance it deploys to. */
    private ApiResponse self(ApiRequest request) {
        MetadataStore.DeployToken token = callers.token(request)
                .orElseThrow(() -> ApiException.unauthorized("send a deploy token (Authorization: Bearer pbd_...)"));
        Instance instance = store.findInstance(token.instanceId())
                .orElseThrow(() -> ApiException.notFound("no such instance"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", token.id());
        body.put("name", token.name());
        body.put("instanceId", instance.id());
        body.put("subdomain", instance.subdomain());
        return ApiResponse.ok(body);
    }

    private ApiResponse list(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        return ApiResponse.ok(Map.of("tokens", store.listDeployTokens(instance.id()).stream().map(TokenView::of)
                .toList()));
    }

    /** 201 with the token itself, the only time it is shown. */
    private ApiResponse create(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        String name = Validate.text("name", Json.read(request, Create.class).name(), 1, 100);
        if (store.listDeployTokens(instance.id()).size() >= MAX_PER_INSTANCE) {
            throw ApiException.conflict("too_many_tokens", null, "an instance may have at most " + MAX_PER_INSTANCE
                    + " deploy tokens; revoke one first");
        }
        String token = Sessions.DEPLOY_TOKEN_PREFIX + Tokens.randomSecret(32);
        MetadataStore.DeployToken created = store.createDeployToken(instance.id(), name, Tokens.sha256Hex(token));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", created.id());
        body.put("name", created.name());
        body.put("createdAt", created.createdAt());
        body.put("token", token);
        return ApiResponse.created(body);
    }

    private ApiResponse revoke(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        if (!store.deleteDeployToken(instance.id(), request.pathParam("tokenId"))) {
            throw ApiException.notFound("no such deploy token of this instance");
        }
        return ApiResponse.noContent();
    }
}
