package dev.picobase.api.instances;

import dev.picobase.api.auth.Caller;
import dev.picobase.api.auth.Sessions;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.Optional;

/**
 * Who may use the files routes: the owner signed in ({@link Sessions}), or a deploy token
 * ({@code Authorization: Bearer pbd_...}) of that very instance, which acts as its owner there and
 * nowhere else ({@link Sessions#require} answers 403 {@code deploy_token_scope} on every other route).
 * Only a token's SHA-256 is stored; each use is recorded.
 *
 * <p>Threading: blocking (database); the API's blocking executor.
 */
public final class DeployCallers {
    private final Sessions sessions;
    private final MetadataStore store;

    public DeployCallers(Sessions sessions, MetadataStore store) {
        this.sessions = sessions;
        this.store = store;
    }

    /** The request's deploy token, its use recorded; empty without one, 401 for a revoked or unknown one. */
    public Optional<MetadataStore.DeployToken> token(ApiRequest request) {
        return bearer(request).map(b -> store.useDeployToken(Tokens.sha256Hex(b))
                .orElseThrow(() -> ApiException.unauthorized("the deploy token is invalid or was revoked")));
    }

    private static Optional<String> bearer(ApiRequest request) {
        return request.header(HttpHeaderNames.AUTHORIZATION)
                .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).strip())
                .filter(t -> t.startsWith(Sessions.DEPLOY_TOKEN_PREFIX));
    }

    /** The caller of a files route of the instance named by {@code :id}, or 401/403. */
    public Caller forFiles(ApiRequest request) {
        Optional<String> bearer = bearer(request);
        if (bearer.isEmpty()) {
            return sessions.require(request);
        }
        MetadataStore.DeployToken token = token(request).orElseThrow();
        if (!token.instanceId().equals(request.pathParam("id"))) {
            throw ApiException.forbidden("deploy_token_scope", "this deploy token is for another instance");
        }
        User owner = store.findInstance(token.instanceId()).flatMap(i -> store.findUser(i.ownerId()))
                .orElseThrow(() -> ApiException.notFound("no such instance"));
        return new Caller(owner, bearer.get());
    }
}
