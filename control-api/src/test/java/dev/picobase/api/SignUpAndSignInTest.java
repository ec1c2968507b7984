package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Creating an account and signing in: what the responses carry, and what they never carry. */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignUpAndSignInTest extends PlatformPerStoreKind {
    private static final String PASSWORD = "correct horse battery";

    @Test
    void signUpAnswersTheNewUserWithoutAnyPasswordData() {
        String email = Unique.email();
        Reply reply = api.client().post("/api/auth/signup", json("name", "  Ada  ", "email", email, "password", PASSWORD));

        assertThatReply(reply).hasStatus(201);
        assertThat(reply.json().path("user").path("id").asText()).isNotBlank();
        assertThat(reply.json().path("user").path("name").asText()).isEqualTo("Ada");
        assertThat(reply.json().path("user").path("email").asText()).isEqualTo(email);
        assertThat(reply.json().path("user").path("createdAt").asText()).isNotBlank();
        assertThat(reply.text()).doesNotContain(PASSWORD).doesNotContainIgnoringCase("password")
                .doesNotContain("$2a$");
        assertThat(api.store().findCredentials(email).orElseThrow().passwordHash()).startsWith("$2a$")
                .doesNotContain(PASSWORD);
    }

    @Test
    void signInAnswersATokenAndSetsTheSessionCookies() {
        String email = Unique.email();
        SignedIn user = api.client().signUpAndSignIn(email, PASSWORD);
        Reply signIn = user.signIn();

        assertThat(signIn.json().path("token").asText()).isNotBlank();
        assertThat(signIn.json().path("csrfToken").asText()).isNotBlank().isNotEqualTo(user.token());
        assertThat(signIn.json().path("expiresAt").asText()).isNotBlank();
        assertThat(signIn.json().path("user").path("email").asText()).isEqualTo(email);
        assertThat(signIn.text()).doesNotContain(PASSWORD).doesNotContain("$2a$");

        assertThat(signIn.setCookie("picobase_session")).hasValueSatisfying(cookie -> assertThat(cookie)
                .containsIgnoringCase("; HttpOnly")
                .containsIgnoringCase("; SameSite=Lax")
                .containsIgnoringCase("; Path=/")
                .containsIgnoringCase("; Max-Age="));
        assertThat(signIn.cookieValue("picobase_session")).contains(user.token());
        // The CSRF cookie must be readable by the admin UI's own scripts, so it is not HttpOnly.
        assertThat(signIn.setCookie("picobase_csrf")).hasValueSatisfying(cookie -> assertThat(cookie)
                .doesNotContainIgnoringCase("HttpOnly"));
        assertThat(signIn.cookieValue("picobase_csrf")).contains(user.csrfToken());
    }

    @Test
    void theTokenIdentifiesTheUserAtApiMe() {
        String email = Unique.email();
        SignedIn user = api.client().signUpAndSignIn(email, PASSWORD);

        Reply me = user.client().get("/api/me");

        assertThatReply(me).hasStatus(200);
        assertThat(me.json().path("user").path("id").asText()).isEqualTo(user.userId());
        assertThat(me.json().path("user").path("email").asText()).isEqualTo(email);
        assertThat(me.text()).doesNotContain("$2a$");
        assertThat(me.json().path("operator").isBoolean()).isTrue();
        assertThat(me.json().path("operator").asBoolean()).as("no PICOBASE_OPERATOR_EMAILS").isFalse();
    }

    @Test
    void signUpIsOpenByDefaultAndSaysSo() {
        assertThat(api.client().get("/api/auth/signup-policy").json().path("policy").asText()).isEqualTo("open");
        assertThat(api.client().post("/api/auth/signup", json("name", "Ada", "email", Unique.email(), "password",
                PASSWORD, "invitation", "pbi_ignored-when-open")).status()).isEqualTo(201);
    }

    @Test
    void aSecondAccountWithTheSameEmailIsRefused() {
        String email = Unique.email();
        ApiClient client = api.client();
        assertThatReply(client.post("/api/auth/signup", json("name", "Ada", "email", email, "password", PASSWORD)))
                .hasStatus(201);

        assertThatReply(client.post("/api/auth/signup",
                json("name", "Eve", "email", email, "password", "another password")))
                .isError(409, "email_taken").namesField("email");
        assertThatReply(client.post("/api/auth/signup",
                json("name", "Eve", "email", email.toUpperCase(Locale.ROOT), "password", "another password")))
                .isError(409, "email_taken");
        // The first account is untouched: its password still works, the intruder's does not.
        assertThatReply(client.post("/api/auth/signin", json("email", email, "password", PASSWORD))).hasStatus(200);
        assertThatReply(client.post("/api/auth/signin", json("email", email, "password", "another password")))
                .isError(401, "unauthorized");
    }

    @Test
    void emailsAreMatchedWithoutRegardToCase() {
        String email = Unique.email();
        String mixed = "Mixed." + email.substring(0, 1).toUpperCase(Locale.ROOT) + email.substring(1);
        Reply up = api.client().post("/api/auth/signup", json("name", "Ada", "email", mixed, "password", PASSWORD));
        assertThatReply(up).hasStatus(201);
        assertThat(up.json().path("user").path("email").asText()).isEqualTo(mixed.toLowerCase(Locale.ROOT));

        assertThatReply(api.client().post("/api/auth/signin",
                json("email", mixed.toLowerCase(Locale.ROOT), "password", PASSWORD))).hasStatus(200);
        assertThatReply(api.client().post("/api/auth/signin",
                json("email", mixed.toUpperCase(Locale.ROOT), "password", PASSWORD))).hasStatus(200);
    }

    @Test
    void aWrongPasswordAndAnUnknownEmailGetTheSameAnswer() {
        String email = Unique.email();
        api.client().signUpAndSignIn(email, PASSWORD);

        Reply wrongPassword = api.client().post("/api/auth/signin",
                json("email", email, "password", "not the password"));
        Reply unknownEmail = api.client().post("/api/auth/signin",
                json("email", Unique.email(), "password", PASSWORD));

        assertThatReply(wrongPassword).isError(401, "unauthorized");
        assertThatReply(unknownEmail).isError(401, "unauthorized");
        assertThat(unknownEmail.text()).isEqualTo(wrongPassword.text());
        assertThat(wrongPassword.setCookies()).isEmpty();
    }

    @Test
    void eachSignInStartsItsOwnSession() {
        String email = Unique.email();
        SignedIn first = api.client().signUpAndSignIn(email, PASSWORD);
        Reply second = api.client().post("/api/auth/signin", json("email", email, "password", PASSWORD));

        assertThatReply(second).hasStatus(200);
        String secondToken = second.json().path("token").asText();
        assertThat(secondToken).isNotEqualTo(first.token());
        assertThatReply(first.client().get("/api/me")).hasStatus(200);
        assertThatReply(api.client().withToken(secondToken).get("/api/me")).hasStatus(200);
    }
}
