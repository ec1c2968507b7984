package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Password guessing is slowed two ways: an address is locked out of an account after
 * {@code PICOBASE_SIGNIN_MAX_FAILURES} wrong passwords for it, and an address may make only
 * {@code PICOBASE_SIGNIN_RATE_PER_ADDRESS} attempts a minute. Both answer 429 {@code rate_limited}
 * with {@code Retry-After}. Every request here comes from one address; what other addresses still
 * may do is {@link OwnerSignsInFromCleanAddressDuringLockoutTest}'s. The counters live in the
 * server, so each test starts its own with the limits it needs.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
class SignInRateLimitTest {
    private static final String PASSWORD = "correct horse battery";

    @Parameter
    StoreKind kind;

    @TempDir
    Path dataDir;

    private RunningApi api;

    private ApiClient start(Map<String, String> limits) {
        api = RunningApi.start(kind, dataDir, limits, Clock.systemUTC());
        return api.client();
    }

    @AfterEach
    void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    private static Reply signIn(ApiClient client, String email, String password) {
        return client.post("/api/auth/signin", json("email", email, "password", password));
    }

    private static long retryAfterSeconds(Reply reply) {
        String header = reply.headers().firstValue("retry-after").orElseThrow(
                () -> new AssertionError("no Retry-After in " + reply));
        assertThat(header).matches("[0-9]+");
        return Long.parseLong(header);
    }

    @Test
    void afterTooManyWrongPasswordsEvenTheRightOneIsRefused() {
        ApiClient client = start(Map.of("PICOBASE_SIGNIN_MAX_FAILURES", "3"));
        String email = Unique.email();
        client.signUpAndSignIn(email, PASSWORD);

        for (int i = 0; i < 3; i++) {
            assertThatReply(signIn(client, email, "wrong password " + i)).isError(401, "unauthorized");
        }
        Reply locked = signIn(client, email, PASSWORD);

        assertThatReply(locked).isError(429, "rate_limited");
        assertThat(locked.json().path("token").isMissingNode()).isTrue();
        assertThat(locked.setCookies()).isEmpty();
        assertThat(retryAfterSeconds(locked)).isBetween(1L, 15 * 60L);
    }

    @Test
    void aLockedAccountDoesNotLockOthers() {
        ApiClient client = start(Map.of("PICOBASE_SIGNIN_MAX_FAILURES", "3"));
        String victim = Unique.email();
        String bystander = Unique.email();
        client.signUpAndSignIn(victim, PASSWORD);
        client.signUpAndSignIn(bystander, PASSWORD);

        for (int i = 0; i < 3; i++) {
            signIn(client, victim, "wrong password");
        }

        assertThatReply(signIn(client, victim, PASSWORD)).isError(429, "rate_limited");
        assertThatReply(signIn(client, bystander, PASSWORD)).hasStatus(200);
    }

    @Test
    void aSuccessfulSignInClearsEarlierFailures() {
        ApiClient client = start(Map.of("PICOBASE_SIGNIN_MAX_FAILURES", "3"));
        String email = Unique.email();
        client.signUpAndSignIn(email, PASSWORD);

        for (int round = 0; round < 3; round++) {
            assertThatReply(signIn(client, email, "wrong password")).isError(401, "unauthorized");
            assertThatReply(signIn(client, email, "wrong password")).isError(401, "unauthorized");
            assertThatReply(signIn(client, email, PASSWORD)).hasStatus(200);
        }
    }

    @Test
    void theSixthAttemptFromOneAddressIsRefused() {
        ApiClient client = start(Map.of("PICOBASE_SIGNIN_RATE_PER_ADDRESS", "5"));

        // Unknown emails, so no account lockout can be what stops the sixth attempt.
        for (int i = 0; i < 5; i++) {
            assertThatReply(signIn(client, Unique.email(), PASSWORD)).isError(401, "unauthorized");
        }
        Reply sixth = signIn(client, Unique.email(), PASSWORD);

        assertThatReply(sixth).isError(429, "rate_limited");
        assertThat(retryAfterSeconds(sixth)).isBetween(1L, 60L);
    }

    @Test
    void signUpsCountTowardTheAddressLimit() {
        ApiClient client = start(Map.of("PICOBASE_SIGNIN_RATE_PER_ADDRESS", "5"));
        String email = Unique.email();
        assertThatReply(client.post("/api/auth/signup", json("name", "Ada", "email", email, "password", PASSWORD)))
                .hasStatus(201);
        for (int i = 0; i < 4; i++) {
            assertThatReply(signIn(client, email, PASSWORD)).hasStatus(200);
        }

        Reply sixth = signIn(client, email, PASSWORD);
        assertThatReply(sixth).isError(429, "rate_limited");
        assertThat(retryAfterSeconds(sixth)).isBetween(1L, 60L);

        Reply signUp = client.post("/api/auth/signup",
                json("name", "Eve", "email", Unique.email(), "password", PASSWORD));
        assertThatReply(signUp).isError(429, "rate_limited");
    }

    @Test
    void aSignedInUserIsNotAffectedByTheAddressLimit() {
        ApiClient client = start(Map.of("PICOBASE_SIGNIN_RATE_PER_ADDRESS", "5"));
        ApiClient user = client.signUpAndSignIn().client();
        for (int i = 0; i < 3; i++) {
            signIn(client, Unique.email(), PASSWORD);
        }
        assertThatReply(signIn(client, Unique.email(), PASSWORD)).isError(429, "rate_limited");

        assertThatReply(user.get("/api/me")).hasStatus(200);
        assertThatReply(user.post("/api/instances", json("name", "x", "subdomain", Unique.subdomain())))
                .hasStatus(201);
    }
}
