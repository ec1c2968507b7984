package dev.picobase.api.auth;

import dev.picobase.api.ControlEvents;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.api.http.Router;
import dev.picobase.api.http.Validate;
import dev.picobase.core.model.ApiKey;
import dev.picobase.core.model.Instance;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The signed-in user's own account, {@code /api/me/*}: change the password (every other session ends),
 * list the sessions and end one, and delete the account with everything in it. Changing the password
 * needs the current one, and counts toward the sign-in limits of the caller's address, so a stolen
 * session cannot be used to guess it; deleting the account needs the account's email typed again.
 *
 * <p>Threading: handlers block (database, bcrypt, deleting instances); they run on the API's blocking executor.
 */
public final class AccountRoutes {
    record ChangePassword(String currentPassword, String newPassword) {}

    record DeleteAccount(String email) {}

    /** A session as listed: never its token; {@code current} marks the one making this call. */
    record SessionView(String id, Instant createdAt, Instant expiresAt, boolean current) {}

    private final MetadataStore store;
    private final Passwords passwords;
    private final Sessions sessions;
    private final SignInLimiter limiter;
    private final PasswordCheck check;
    private final InstanceLifecycle lifecycle;
    private final ControlEvents events;

    public AccountRoutes(MetadataStore store, Passwords passwords, Sessions sessions, SignInLimiter limiter,
                         InstanceLifecycle lifecycle, ControlEvents events) {
        this.store = store;
        this.passwords = passwords;
        this.sessions = sessions;
        this.limiter = limiter;
        this.check = new PasswordCheck(store, passwords, limiter);
        this.lifecycle = lifecycle;
        this.events = events;
    }

    public void register(Router router) {
        router.add(HttpMethod.POST, "/api/me/password", this::changePassword)
                .add(HttpMethod.GET, "/api/me/sessions", this::listSessions)
                .add(HttpMethod.DELETE, "/api/me/sessions/:id", this::endSession)
                .add(HttpMethod.DELETE, "/api/me", this::deleteAccount);
    }

    private ApiResponse changePassword(ApiRequest request) {
        Caller caller = sessions.require(request);
        ChangePassword body = Json.read(request, ChangePassword.class);
        if (body.currentPassword() == null || body.currentPassword().isEmpty()) {
            throw ApiException.invalid("currentPassword", "currentPassword is required");
        }
        String fresh;
        try {
            fresh = Validate.newPassword(body.newPassword());
        } catch (ApiException e) {
            throw ApiException.invalid("newPassword", e.getMessage().replace("password", "newPassword"));
        }
        if (check.verify(caller.user().email(), body.currentPassword(), request.clientAddress()).isEmpty()) {
            throw ApiException.forbidden("wrong_password", "the current password is wrong");
        }
        store.updatePassword(caller.userId(), passwords.hash(fresh));
        int ended = store.deleteOtherSessions(caller.userId(), Tokens.sha256Hex(caller.sessionToken()));
        return ApiResponse.ok(Map.of("otherSessionsEnded", ended));
    }

    private ApiResponse listSessions(ApiRequest request) {
        Caller caller = sessions.require(request);
        String current = Tokens.sha256Hex(caller.sessionToken());
        List<SessionView> listed = store.listSessions(caller.userId()).stream()
                .map(s -> new SessionView(s.id(), s.createdAt(), s.expiresAt(), s.tokenHash().equals(current)))
                .toList();
        return ApiResponse.ok(Map.of("sessions", listed));
    }

    /** Ends one of the caller's sessions (its own too: that is a sign-out); another user's is not found. */
    private ApiResponse endSession(ApiRequest request) {
        Caller caller = sessions.require(request);
        String id = request.pathParam("id");
        MetadataStore.SessionInfo session = store.listSessions(caller.userId()).stream()
                .filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> ApiException.notFound("no such session"));
        store.deleteSession(session.tokenHash());
        return ApiResponse.noContent();
    }

    /**
     * Deletes every instance of the account (its process, local copy, snapshots and keys, as a delete
     * of each would), then the account and its sessions. The body must name the account's email.
     */
    private ApiResponse deleteAccount(ApiRequest request) {
        Caller caller = sessions.require(request);
        DeleteAccount body = Json.read(request, DeleteAccount.class);
        String typed = Validate.text("email", body.email(), 1, 254).strip().toLowerCase(Locale.ROOT);
        if (!typed.equals(caller.user().email().toLowerCase(Locale.ROOT))) {
            throw ApiException.invalid("email", "type the account's email to confirm that it is to be deleted");
        }
        for (Instance instance : store.listInstances(caller.userId())) {
            events.instanceDeleting(instance, store.listApiKeys(instance.id()).stream().map(ApiKey::id).toList());
            lifecycle.delete(instance.id());
        }
        store.deleteUser(caller.userId());
        ApiResponse response = ApiResponse.noContent();
        for (String cookie : sessions.clearedCookies()) {
            response = response.withHeader(HttpHeaderNames.SET_COOKIE.toString(), cookie);
        }
        return response;
    }
}
