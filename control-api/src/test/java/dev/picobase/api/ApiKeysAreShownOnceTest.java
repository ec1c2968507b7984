package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.core.model.ApiKey;
import dev.picobase.testsupport.StoreKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The full API key is in the response that created it and nowhere else, ever: listings show a hint
 * (the public id and the secret's last four characters), and the database holds only a bcrypt hash.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiKeysAreShownOnceTest extends PlatformPerStoreKind {
    private static final String KEY_SHAPE = "pbk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}";

    @Test
    void theCreateResponseCarriesTheFullKey() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();

        Reply created = user.client().post("/api/instances/" + instanceId + "/keys", json("name", "mobile app"));

        assertThatReply(created).hasStatus(201);
        String id = created.json().path("id").asText();
        String key = created.json().path("key").asText();
        assertThat(key).matches(KEY_SHAPE).startsWith("pbk_" + id + "_");
        assertThat(created.json().path("name").asText()).isEqualTo("mobile app");
        assertThat(created.json().path("hint").asText()).isEqualTo("pbk_" + id + "_…" + key.substring(key.length() - 4));
        assertThat(created.json().path("createdAt").asText()).isNotBlank();
    }

    @Test
    void noLaterResponseContainsTheSecret() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        JsonNode created = user.createKey(instanceId);
        String id = created.path("id").asText();
        String secret = secretOf(created);

        Reply keys = user.client().get("/api/instances/" + instanceId + "/keys");
        assertThatReply(keys).hasStatus(200);
        JsonNode listed = keys.json().path("keys").get(0);
        assertThat(listed.path("id").asText()).isEqualTo(id);
        assertThat(listed.has("key")).isFalse();
        assertThat(listed.path("hint").asText()).isEqualTo(created.path("hint").asText());

        for (Reply later : new Reply[] {keys, user.client().get("/api/instances/" + instanceId),
                user.client().get("/api/instances"), user.client().get("/api/me")}) {
            assertThatContainsNoPartOf(later.text(), secret);
        }
    }

    @Test
    void onlyABcryptHashOfTheSecretIsStored() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        JsonNode created = user.createKey(instanceId);
        String secret = secretOf(created);

        ApiKey stored = api.store().findApiKey(created.path("id").asText()).orElseThrow();

        assertThat(stored.instanceId()).isEqualTo(instanceId);
        assertThat(stored.secretHash()).startsWith("$2a$").doesNotContain(secret);
        assertThat(BCrypt.checkpw(secret, stored.secretHash())).isTrue();
        assertThat(BCrypt.checkpw(created.path("key").asText(), stored.secretHash())).isFalse();
    }

    @Test
    void everyKeyIsDifferent() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();

        JsonNode first = user.createKey(instanceId);
        JsonNode second = user.createKey(instanceId);

        assertThat(second.path("id").asText()).isNotEqualTo(first.path("id").asText());
        assertThat(second.path("key").asText()).isNotEqualTo(first.path("key").asText());
        assertThat(user.client().get("/api/instances/" + instanceId + "/keys").json().path("keys")).hasSize(2);
    }

    /** The secret part of a created key: everything after {@code pbk_<id>_} (the secret may contain '_'). */
    private static String secretOf(JsonNode created) {
        return created.path("key").asText().substring(("pbk_" + created.path("id").asText() + "_").length());
    }

    /** Not the secret, nor any eight characters of it (the hint shows only the last four). */
    private static void assertThatContainsNoPartOf(String body, String secret) {
        for (int i = 0; i + 8 <= secret.length(); i++) {
            assertThat(body).as("a response body").doesNotContain(secret.substring(i, i + 8));
        }
    }
}
