package dev.picobase.api.auth;

import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.config.AuthConfig;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Signed-in sessions. A session token is 32 random bytes; only its SHA-256 is stored, so a leaked
 * database yields no usable tokens. A client presents it as {@code Authorization: Bearer} or as the
 * HttpOnly {@code picobase_session} cookie the admin UI relies on.
 *
 * <p>CSRF: a browser attaches cookies to cross-site requests, so a write authenticated by cookie
 * must also carry {@code X-CSRF-Token}, a value derived from the session token that only pages of
 * this origin can read (from the {@code picobase_csrf} cookie or the sign-in response). Bearer
 * requests need no such check: browsers never add that header on their own.
 *
 * <p>Threading: blocking (database); call from the API's blocking executor.
 */
public final class Sessions {
    public static final String SESSION_COOKIE = "picobase_session";
    public static final String CSRF_COOKIE = "picobase_csrf";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** Deploy tokens ({@code pbd_...}): accepted by the files routes of their instance only. */
    public static final String DEPLOY_TOKEN_PREFIX = "pbd_";
    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final MetadataStore store;
    private final AuthConfig config;
    private final Clock clock;

    public Sessions(MetadataStore store, AuthConfig config, Clock clock) {
        this.store = store;
        this.config = config;
        this.clock = clock;
    }

    /** A new session for {@code user}: its token (returned once) and when it expires. */
    public record Issued(String token, String csrfToken, Instant expiresAt) {}

    public Issued issue(User user) {
        String token = "pbs_" + Tokens.randomSecret(32);
        Instant expires = clock.instant().plus(config.sessionTtl());
        store.createSession(Tokens.sha256Hex(token), user.id(), expires);
        return new Issued(token, csrfFor(token), expires);
    }

    /** The signed-in user of this request, or 401 (no session, expired) / 403 (cookie write without CSRF). */
    public Caller require(ApiRequest request) {
        Optional<String> bearer = request.header(HttpHeaderNames.AUTHORIZATION)
                .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).strip());
        String token;
        boolean viaCookie;
        if (bearer.isPresent()) {
            token = bearer.get();
            viaCookie = false;
        } else {
            token = request.cookie(SESSION_COOKIE).orElseThrow(() -> ApiException.unauthorized("sign in first"));
            viaCookie = true;
        }
        if (token.startsWith(DEPLOY_TOKEN_PREFIX)) {
            // A deploy token may only deploy (the files routes take it before asking here).
            throw ApiException.forbidden("deploy_token_scope", "a deploy token may only deploy code to its "
                    + "instance (/api/instances/:id/files); sign in for anything else");
        }
        User user = store.findSessionUser(Tokens.sha256Hex(token))
                .orElseThrow(() -> ApiException.unauthorized("the session is invalid or has expired; sign in again"));
        if (viaCookie && !SAFE.contains(request.method())) {
            String presented = request.header(CSRF_HEADER).orElse("");
            if (!Tokens.constantTimeEquals(presented, csrfFor(token))) {
                throw ApiException.forbidden("csrf", "missing or wrong " + CSRF_HEADER + " header");
            }
        }
        return new Caller(user, token);
    }

    /** As {@link #require}, and the caller must be an operator ({@code PICOBASE_OPERATOR_EMAILS}), else 403. */
    public Caller requireOperator(ApiRequest request) {
        Caller caller = require(request);
        if (!isOperator(caller.user())) {
            throw ApiException.forbidden("operator_only", "only the platform's operators may do this");
        }
        return caller;
    }

    public boolean isOperator(User user) {
        return config.isOperator(user.email());
    }

    public void revoke(Caller caller) {
        store.deleteSession(Tokens.sha256Hex(caller.sessionToken()));
    }

    /** The two cookies that keep a browser signed in. */
    public List<String> cookies(Issued issued) {
        long maxAge = config.sessionTtl().toSeconds();
        return List.of(cookie(SESSION_COOKIE, issued.token(), maxAge, true, CookieHeaderNames.SameSite.Lax),
                cookie(CSRF_COOKIE, issued.csrfToken(), maxAge, false, CookieHeaderNames.SameSite.Strict));
    }

    /** Cookies that make the browser forget the session. */
    public List<String> clearedCookies() {
        return List.of(cookie(SESSION_COOKIE, "", 0, true, CookieHeaderNames.SameSite.Lax),
                cookie(CSRF_COOKIE, "", 0, false, CookieHeaderNames.SameSite.Strict));
    }

    private String cookie(String name, String value, long maxAge, boolean httpOnly,
                          CookieHeaderNames.SameSite sameSite) {
        DefaultCookie c = new DefaultCookie(name, value);
        c.setPath("/");
        c.setMaxAge(maxAge);
        c.setHttpOnly(httpOnly);
        c.setSecure(config.secureCookies());
        c.setSameSite(sameSite);
        return ServerCookieEncoder.STRICT.encode(c);
    }

    private static String csrfFor(String sessionToken) {
        return Tokens.sha256Hex("csrf:" + sessionToken).substring(0, 43);
    }
}
