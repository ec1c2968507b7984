package dev.picobase.api.auth;

import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.api.http.Router;
import dev.picobase.api.http.Validate;
import dev.picobase.config.AuthConfig;
import dev.picobase.core.model.Invitation;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/auth/*} and {@code /api/me}: sign-up (as {@code PICOBASE_SIGNUP} allows), sign-in
 * (bearer token plus session cookies), sign-out. Passwords are bcrypt-hashed; a sign-in for an unknown email still spends a bcrypt's
 * time so response times do not reveal which accounts exist.
 *
 * <p>Threading: handlers block (database, bcrypt); they run on the API's blocking executor.
 */
public final class AuthRoutes {
    record SignUp(String name, String email, String password, String invitation) {}

    record SignIn(String email, String password) {}

    /** The public view of an account. */
    public record UserView(String id, String name, String email, Instant createdAt) {
        static UserView of(User u) {
            return new UserView(u.id(), u.name(), u.email(), u.createdAt());
        }
    }

    private final MetadataStore store;
    private final Passwords passwords;
    private final Sessions sessions;
    private final SignInLimiter limiter;
    private final PasswordCheck check;

    private final AuthConfig config;

    public AuthRoutes(MetadataStore store, Passwords passwords, Sessions sessions, SignInLimiter limiter,
                      AuthConfig config) {
        this.config = config;
        this.store = store;
        this.passwords = passwords;
        this.sessions = sessions;
        this.limiter = limiter;
        this.check = new PasswordCheck(store, passwords, limiter);
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/auth/signup-policy",
                        r -> ApiResponse.ok(Map.of("policy", config.signup().wireName())))
                .add(HttpMethod.POST, "/api/auth/signup", this::signUp)
                .add(HttpMethod.POST, "/api/auth/signin", this::signIn)
                .add(HttpMethod.POST, "/api/auth/signout", this::signOut)
                .add(HttpMethod.GET, "/api/me", this::me);
    }

    /** The signed-in account, and whether it is an operator (the admin UI shows the Operator view then). */
    private ApiResponse me(ApiRequest request) {
        User user = sessions.require(request).user();
        return ApiResponse.ok(Map.of("user", UserView.of(user), "operator", sessions.isOperator(user)));
    }

    private ApiResponse signUp(ApiRequest request) {
        SignUp body = Json.read(request, SignUp.class);
        String name = Validate.text("name", body.name(), 1, 100);
        String email = Validate.email(body.email());
        String password = Validate.newPassword(body.password());
        limiter.attempt(request.clientAddress());
        Optional<Invitation> invitation = admit(email, body.invitation());
        Optional<User> user = store.createUser(name, email, passwords.hash(password));
        if (user.isEmpty()) {
            invitation.ifPresent(i -> store.releaseInvitation(i.id()));
            throw ApiException.conflict("email_taken", "email", "an account with this email already exists");
        }
        invitation.ifPresent(i -> store.finishInvitation(i.id(), user.get().id()));
        return ApiResponse.created(Map.of("user", UserView.of(user.get())));
    }

    /**
     * Applies {@code PICOBASE_SIGNUP} to a sign-up as {@code email}; with {@code invite}, takes the
     * invitation (single use), which the caller finishes or gives back. Operators may always sign up,
     * so a server with sign-up closed can still get its first account.
     */
    private Optional<Invitation> admit(String email, String token) {
        if (config.isOperator(email) || config.signup() == AuthConfig.SignupPolicy.OPEN) {
            return Optional.empty();
        }
        if (config.signup() == AuthConfig.SignupPolicy.CLOSED) {
            throw ApiException.forbidden("signup_closed", "sign-up is closed on this server; ask its operator for an account");
        }
        if (token == null || token.isBlank()) {
            throw ApiException.forbidden("invitation_required",
                    "sign-up on this server needs an invitation; open the invitation link an operator sent you");
        }
        return Optional.of(store.claimInvitation(Tokens.sha256Hex(token.strip()), email)
                .orElseThrow(() -> ApiException.forbidden("invitation_invalid",
                        "this invitation is unknown, used, expired or meant for another email address")));
    }

    private ApiResponse signIn(ApiRequest request) {
        SignIn body = Json.read(request, SignIn.class);
        String email = Validate.email(body.email());
        if (body.password() == null || body.password().isEmpty()) {
            throw ApiException.invalid("password", "password is required");
        }
        User user = check.verify(email, body.password(), request.clientAddress())
                .orElseThrow(() -> ApiException.unauthorized("wrong email or password"));
        if (store.isSuspended(user.id())) { // said only to whoever knows the password
            throw ApiException.forbidden("account_suspended",
                    "this account is suspended; ask the platform's operators to reactivate it");
        }
        Sessions.Issued issued = sessions.issue(user);
        ApiResponse response = ApiResponse.ok(Map.of("token", issued.token(), "csrfToken", issued.csrfToken(),
                "expiresAt", issued.expiresAt(), "user", UserView.of(user)));
        for (String cookie : sessions.cookies(issued)) {
            response = response.withHeader(HttpHeaderNames.SET_COOKIE.toString(), cookie);
        }
        return response;
    }

    private ApiResponse signOut(ApiRequest request) {
        sessions.revoke(sessions.require(request));
        ApiResponse response = ApiResponse.noContent();
        for (String cookie : sessions.clearedCookies()) {
            response = response.withHeader(HttpHeaderNames.SET_COOKIE.toString(), cookie);
        }
        return response;
    }
}
