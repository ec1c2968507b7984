package dev.picobase.api;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.StoreKind;
import dev.picobase.testsupport.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A session lasts {@code PICOBASE_SESSION_TTL} and not a moment longer, however it is presented.
 * The API runs on a {@link TestClock}; each test measures from its own sign-in, so moving the shared
 * clock forward never disturbs another test.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionExpiryTest {
    private static final Duration TTL = Duration.ofHours(1);

    @Parameter
    StoreKind kind;

    private final TestClock clock = new TestClock(Instant.now());
    private RunningApi api;

    @BeforeParameterizedClassInvocation
    void startApi(StoreKind kind, @TempDir Path dataDir) {
        api = RunningApi.start(kind, dataDir, Map.of("PICOBASE_SESSION_TTL", "1h"), clock);
    }

    @AfterParameterizedClassInvocation
    void stopApi() {
        api.close();
    }

    @Test
    void aBearerTokenStopsWorkingWhenTheSessionExpires() {
        SignedIn user = api.client().signUpAndSignIn();

        clock.advance(TTL.minusSeconds(1));
        assertThatReply(user.client().get("/api/me")).hasStatus(200);

        clock.advance(Duration.ofSeconds(2));
        assertThatReply(user.client().get("/api/me")).isError(401, "unauthorized");
        assertThatReply(user.client().get("/api/instances")).isError(401, "unauthorized");
    }

    @Test
    void aSessionCookieStopsWorkingWhenTheSessionExpires() {
        SignedIn user = api.client().signUpAndSignIn();
        ApiClient browser = api.client().withCookies("picobase_session", user.token());
        assertThatReply(browser.get("/api/me")).hasStatus(200);

        clock.advance(TTL.plusSeconds(1));

        assertThatReply(browser.get("/api/me")).isError(401, "unauthorized");
    }

    @Test
    void signInSaysWhenTheSessionExpires() {
        Instant before = clock.instant();
        SignedIn user = api.client().signUpAndSignIn();

        assertThat(Instant.parse(user.signIn().json().path("expiresAt").asText())).isEqualTo(before.plus(TTL));
        assertThat(user.signIn().setCookie("picobase_session"))
                .hasValueSatisfying(c -> assertThat(c).contains("Max-Age=" + TTL.toSeconds()));
    }
}
