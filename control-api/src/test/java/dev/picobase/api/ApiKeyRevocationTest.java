package dev.picobase.api;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.StoreKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Deleting a key removes it from the store and tells the gateway's key cache at once, so a key
 * the gateway has just accepted is refused right after, and no other key is touched.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiKeyRevocationTest extends PlatformPerStoreKind {
    @Test
    void aDeletedKeyIsGoneAndTheGatewayRefusesItAtOnce() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        JsonNode key = user.createKey(instanceId);
        String keyId = key.path("id").asText();
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();

        Reply deleted = user.client().delete("/api/instances/" + instanceId + "/keys/" + keyId);

        assertThatReply(deleted).hasStatus(204);
        assertThat(deleted.text()).isEmpty();
        assertThat(user.client().get("/api/instances/" + instanceId + "/keys").json().path("keys")).isEmpty();
        assertThat(api.store().findApiKey(keyId)).isEmpty();
        assertThat(api.gatewayAccepts(key.path("key").asText())).isFalse();
    }

    @Test
    void deletingOneKeyKeepsTheOthers() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        JsonNode doomed = user.createKey(instanceId);
        JsonNode kept = user.createKey(instanceId);
        assertThat(api.gatewayAccepts(doomed.path("key").asText())).isTrue();
        assertThat(api.gatewayAccepts(kept.path("key").asText())).isTrue();

        assertThatReply(user.client().delete("/api/instances/" + instanceId + "/keys/" + doomed.path("id").asText()))
                .hasStatus(204);

        List<String> left = new ArrayList<>();
        user.client().get("/api/instances/" + instanceId + "/keys").json().path("keys")
                .forEach(k -> left.add(k.path("id").asText()));
        assertThat(left).containsExactly(kept.path("id").asText());
        assertThat(api.gatewayAccepts(doomed.path("key").asText())).isFalse();
        assertThat(api.gatewayAccepts(kept.path("key").asText())).isTrue();
    }

    @Test
    void deletingAKeyTwiceOrAnUnknownKeyIsNotFound() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        String keyId = user.createKey(instanceId).path("id").asText();
        assertThatReply(user.client().delete("/api/instances/" + instanceId + "/keys/" + keyId)).hasStatus(204);

        assertThatReply(user.client().delete("/api/instances/" + instanceId + "/keys/" + keyId))
                .isError(404, "not_found");
        assertThatReply(user.client().delete("/api/instances/" + instanceId + "/keys/doesnotexist1"))
                .isError(404, "not_found");
    }
}
