package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The journey the README walks a new user through, end to end over HTTP: sign up, sign in, create
 * an instance, issue and revoke a key, start and stop the instance, delete it.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadmeJourneyTest extends PlatformPerStoreKind {
    @Test
    void aNewUserSignsUpCreatesAnInstanceAndManagesItsKeys() {
        ApiClient anonymous = api.client();
        String email = Unique.email();

        Reply signUp = anonymous.post("/api/auth/signup",
                json("name", "Ada Lovelace", "email", email, "password", "analytical engine"));
        assertThatReply(signUp).hasStatus(201);
        assertThat(signUp.json().path("user").path("email").asText()).isEqualTo(email);
        assertThat(signUp.json().path("user").path("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(signUp.json().path("user").path("id").asText()).isNotBlank();
        assertThat(signUp.text()).doesNotContainIgnoringCase("password").doesNotContain("$2a$");

        Reply signIn = anonymous.post("/api/auth/signin", json("email", email, "password", "analytical engine"));
        assertThatReply(signIn).hasStatus(200);
        String token = signIn.json().path("token").asText();
        assertThat(token).isNotBlank();
        assertThat(signIn.json().path("csrfToken").asText()).isNotBlank();
        assertThat(signIn.json().path("user").path("id").asText())
                .isEqualTo(signUp.json().path("user").path("id").asText());
        assertThat(signIn.setCookie("picobase_session")).hasValueSatisfying(cookie -> assertThat(cookie)
                .containsIgnoringCase("; HttpOnly").containsIgnoringCase("; SameSite=Lax"));
        assertThat(signIn.cookieValue("picobase_session")).contains(token);
        assertThat(signIn.cookieValue("picobase_csrf")).contains(signIn.json().path("csrfToken").asText());

        ApiClient ada = anonymous.withToken(token);
        Reply me = ada.get("/api/me");
        assertThatReply(me).hasStatus(200);
        assertThat(me.json().path("user").path("email").asText()).isEqualTo(email);

        String subdomain = Unique.subdomain();
        Reply created = ada.post("/api/instances", json("name", "Notes", "subdomain", subdomain));
        assertThatReply(created).hasStatus(201);
        JsonNode instance = created.json();
        String id = instance.path("id").asText();
        assertThat(id).isNotBlank();
        assertThat(instance.path("name").asText()).isEqualTo("Notes");
        assertThat(instance.path("subdomain").asText()).isEqualTo(subdomain);
        assertThat(instance.path("status").asText()).isEqualTo("stopped");
        // The gateway port is 0 in tests, so the URL carries no port.
        assertThat(instance.path("url").asText())
                .isEqualTo(api.config().instanceUrl(subdomain))
                .isEqualTo("http://" + subdomain + ".localhost");

        Reply list = ada.get("/api/instances");
        assertThatReply(list).hasStatus(200);
        assertThat(list.json().path("instances")).hasSize(1);
        assertThat(list.json().path("instances").get(0).path("id").asText()).isEqualTo(id);

        Reply got = ada.get("/api/instances/" + id);
        assertThatReply(got).hasStatus(200);
        assertThat(got.json().path("subdomain").asText()).isEqualTo(subdomain);
        assertThat(got.json().path("url").asText()).isEqualTo(instance.path("url").asText());

        Reply keyCreated = ada.post("/api/instances/" + id + "/keys", json("name", "web app"));
        assertThatReply(keyCreated).hasStatus(201);
        String key = keyCreated.json().path("key").asText();
        String keyId = keyCreated.json().path("id").asText();
        assertThat(key).startsWith("pbk_" + keyId + "_");
        assertThat(keyCreated.json().path("name").asText()).isEqualTo("web app");

        Reply keys = ada.get("/api/instances/" + id + "/keys");
        assertThatReply(keys).hasStatus(200);
        assertThat(keys.json().path("keys")).hasSize(1);
        JsonNode listed = keys.json().path("keys").get(0);
        assertThat(listed.path("id").asText()).isEqualTo(keyId);
        assertThat(listed.has("key")).isFalse();
        assertThat(listed.path("hint").asText()).startsWith("pbk_" + keyId + "_");
        assertThat(keys.text()).doesNotContain(key).doesNotContain(key.substring(("pbk_" + keyId + "_").length()));

        assertThat(api.gatewayAccepts(key)).isTrue();
        assertThatReply(ada.delete("/api/instances/" + id + "/keys/" + keyId)).hasStatus(204);
        assertThat(ada.get("/api/instances/" + id + "/keys").json().path("keys")).isEmpty();
        assertThat(api.gatewayAccepts(key)).isFalse();

        Reply started = ada.post("/api/instances/" + id + "/start");
        assertThatReply(started).hasStatus(200);
        assertThat(started.json().path("status").asText()).isIn("starting", "running");
        Deadline.await("the instance to be running", Duration.ofSeconds(30),
                () -> ada.get("/api/instances/" + id).json().path("status").asText().equals("running"));

        Reply stopped = ada.post("/api/instances/" + id + "/stop");
        assertThatReply(stopped).hasStatus(200);
        assertThat(stopped.json().path("status").asText()).isIn("stopping", "stopped");
        Deadline.await("the instance to be stopped", Duration.ofSeconds(30),
                () -> ada.get("/api/instances/" + id).json().path("status").asText().equals("stopped"));

        assertThatReply(ada.delete("/api/instances/" + id)).hasStatus(204);
        assertThatReply(ada.get("/api/instances/" + id)).isError(404, "not_found");
        assertThat(ada.get("/api/instances").json().path("instances")).isEmpty();
    }
}
