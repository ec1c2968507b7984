package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A browser sends the session cookie with cross-site requests too, so a write authenticated by the
 * cookie must carry {@code X-CSRF-Token} matching that session; reads and bearer requests need none.
 * Each refused write must leave nothing changed.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CsrfProtectionTest extends PlatformPerStoreKind {
    /** What a browser sends after sign-in: both cookies, and no custom header unless a page adds it. */
    private ApiClient browserOf(SignedIn user) {
        return api.client().withCookies("picobase_session", user.signIn().cookieValue("picobase_session").orElseThrow(),
                "picobase_csrf", user.signIn().cookieValue("picobase_csrf").orElseThrow());
    }

    @Test
    void aCookieAuthenticatedWriteWithoutTheHeaderIsRefused() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        JsonNode key = user.createKey(instanceId);
        String keyId = key.path("id").asText();
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();
        ApiClient browser = browserOf(user);

        assertThatReply(browser.post("/api/instances", json("name", "x", "subdomain", Unique.subdomain())))
                .isError(403, "csrf");
        assertThatReply(browser.post("/api/instances/" + instanceId + "/start")).isError(403, "csrf");
        assertThatReply(browser.post("/api/instances/" + instanceId + "/keys", json("name", "k")))
                .isError(403, "csrf");
        assertThatReply(browser.delete("/api/instances/" + instanceId + "/keys/" + keyId)).isError(403, "csrf");
        assertThatReply(browser.delete("/api/instances/" + instanceId)).isError(403, "csrf");
        assertThatReply(browser.post("/api/auth/signout")).isError(403, "csrf");

        assertThat(user.client().get("/api/instances").json().path("instances")).hasSize(1);
        assertThat(user.client().get("/api/instances/" + instanceId).json().path("status").asText())
                .isEqualTo("stopped");
        assertThat(user.client().get("/api/instances/" + instanceId + "/keys").json().path("keys")).hasSize(1);
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();
        assertThatReply(browser.get("/api/me")).hasStatus(200);
    }

    @Test
    void aWrongOrAnotherSessionsTokenIsRefused() {
        SignedIn user = api.client().signUpAndSignIn();
        SignedIn other = api.client().signUpAndSignIn();
        String subdomain = Unique.subdomain();

        assertThatReply(browserOf(user).withHeader("X-CSRF-Token", "wrong")
                .post("/api/instances", json("name", "x", "subdomain", subdomain))).isError(403, "csrf");
        assertThatReply(browserOf(user).withHeader("X-CSRF-Token", other.csrfToken())
                .post("/api/instances", json("name", "x", "subdomain", subdomain))).isError(403, "csrf");
        // The session token itself is not the CSRF token.
        assertThatReply(browserOf(user).withHeader("X-CSRF-Token", user.token())
                .post("/api/instances", json("name", "x", "subdomain", subdomain))).isError(403, "csrf");

        assertThat(user.client().get("/api/instances").json().path("instances")).isEmpty();
    }

    @Test
    void theTokenFromTheSignInResponseOrTheCsrfCookieLetsTheWriteThrough() {
        SignedIn user = api.client().signUpAndSignIn();
        assertThat(user.signIn().cookieValue("picobase_csrf")).contains(user.csrfToken());

        Reply created = browserOf(user).withHeader("X-CSRF-Token", user.csrfToken())
                .post("/api/instances", json("name", "x", "subdomain", Unique.subdomain()));
        assertThatReply(created).hasStatus(201);
        String instanceId = created.json().path("id").asText();

        ApiClient page = browserOf(user)
                .withHeader("X-CSRF-Token", user.signIn().cookieValue("picobase_csrf").orElseThrow());
        assertThatReply(page.post("/api/instances/" + instanceId + "/start")).hasStatus(200);
        Reply key = page.post("/api/instances/" + instanceId + "/keys", json("name", "k"));
        assertThatReply(key).hasStatus(201);
        assertThatReply(page.delete("/api/instances/" + instanceId + "/keys/" + key.json().path("id").asText()))
                .hasStatus(204);
        assertThatReply(page.delete("/api/instances/" + instanceId)).hasStatus(204);
        assertThatReply(page.post("/api/auth/signout")).hasStatus(204);
        assertThatReply(user.client().get("/api/me")).isError(401, "unauthorized");
    }

    @Test
    void aCookieAuthenticatedReadNeedsNoCsrfHeader() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        ApiClient browser = browserOf(user);

        assertThatReply(browser.get("/api/me")).hasStatus(200);
        assertThatReply(browser.get("/api/instances")).hasStatus(200);
        assertThatReply(browser.get("/api/instances/" + instanceId)).hasStatus(200);
        assertThatReply(browser.get("/api/instances/" + instanceId + "/keys")).hasStatus(200);
        assertThatReply(browser.get("/api/subdomains/" + Unique.subdomain())).hasStatus(200);
    }

    @Test
    void aBearerAuthenticatedWriteNeedsNoCsrfHeader() {
        SignedIn user = api.client().signUpAndSignIn();
        ApiClient bearer = user.client();

        Reply created = bearer.post("/api/instances", json("name", "x", "subdomain", Unique.subdomain()));
        assertThatReply(created).hasStatus(201);
        String instanceId = created.json().path("id").asText();
        assertThatReply(bearer.post("/api/instances/" + instanceId + "/keys", json("name", "k"))).hasStatus(201);
        assertThatReply(bearer.delete("/api/instances/" + instanceId)).hasStatus(204);
        assertThatReply(bearer.post("/api/auth/signout")).hasStatus(204);
    }

    @Test
    void aCookieSessionWithoutTheCsrfCookieStillNeedsTheHeader() {
        SignedIn user = api.client().signUpAndSignIn();
        ApiClient sessionCookieOnly = api.client().withCookies("picobase_session", user.token());

        assertThatReply(sessionCookieOnly.post("/api/instances", json("name", "x", "subdomain", Unique.subdomain())))
                .isError(403, "csrf");
        assertThatReply(sessionCookieOnly.withHeader("X-CSRF-Token", user.csrfToken())
                .post("/api/instances", json("name", "x", "subdomain", Unique.subdomain()))).hasStatus(201);
    }
}
