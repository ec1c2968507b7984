package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.StoreKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Signing out ends that one session at once, whether it was used as a bearer token or a cookie. */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignOutTest extends PlatformPerStoreKind {
    @Test
    void aSignedOutTokenIsRefused() {
        SignedIn user = api.client().signUpAndSignIn();
        assertThatReply(user.client().get("/api/me")).hasStatus(200);

        Reply signOut = user.client().post("/api/auth/signout");

        assertThatReply(signOut).hasStatus(204);
        assertThat(signOut.text()).isEmpty();
        assertThatReply(user.client().get("/api/me")).isError(401, "unauthorized");
        assertThatReply(user.client().get("/api/instances")).isError(401, "unauthorized");
        assertThatReply(user.client().post("/api/auth/signout")).isError(401, "unauthorized");
    }

    @Test
    void signOutTellsTheBrowserToForgetBothCookies() {
        SignedIn user = api.client().signUpAndSignIn();

        Reply signOut = user.client().post("/api/auth/signout");

        assertThat(signOut.setCookie("picobase_session")).hasValueSatisfying(c -> assertThat(c)
                .containsIgnoringCase("Max-Age=0").containsIgnoringCase("HttpOnly"));
        assertThat(signOut.cookieValue("picobase_session")).contains("");
        assertThat(signOut.setCookie("picobase_csrf")).hasValueSatisfying(c -> assertThat(c)
                .containsIgnoringCase("Max-Age=0"));
    }

    @Test
    void aSignedOutSessionCookieIsRefused() {
        SignedIn user = api.client().signUpAndSignIn();
        ApiClient browser = api.client().withCookies("picobase_session", user.token(), "picobase_csrf", user.csrfToken())
                .withHeader("X-CSRF-Token", user.csrfToken());

        assertThatReply(browser.post("/api/auth/signout")).hasStatus(204);

        assertThatReply(browser.get("/api/me")).isError(401, "unauthorized");
        assertThatReply(user.client().get("/api/me")).isError(401, "unauthorized");
    }

    @Test
    void signingOutOneSessionLeavesTheOthers() {
        SignedIn user = api.client().signUpAndSignIn();
        Reply other = api.client().post("/api/auth/signin", json("email", user.email(), "password", user.password()));
        ApiClient otherDevice = api.client().withToken(other.json().path("token").asText());

        assertThatReply(user.client().post("/api/auth/signout")).hasStatus(204);

        assertThatReply(user.client().get("/api/me")).isError(401, "unauthorized");
        assertThatReply(otherDevice.get("/api/me")).hasStatus(200);
    }
}
