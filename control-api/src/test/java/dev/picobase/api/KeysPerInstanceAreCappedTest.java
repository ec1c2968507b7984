package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.StoreKind;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What went wrong: an account could create keys without limit. Each creation costs bcrypt on the
 * control API's small pool (480 pipelined creations made another client's health check take 16 s),
 * and each key's public id is a separate failed-check budget at the gateway. An instance now has at
 * most {@code PICOBASE_MAX_KEYS_PER_INSTANCE} keys (409 {@code too_many_keys} past it), enforced by one
 * conditional statement on both metadata back ends; revoking one makes room.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeysPerInstanceAreCappedTest extends PlatformPerStoreKind {
    @Override
    protected Map<String, String> settings() {
        return Map.of("PICOBASE_MAX_KEYS_PER_INSTANCE", "3");
    }

    @Test
    void theFourthKeyIsRefusedUntilOneIsRevoked() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        String first = user.createKey(instanceId).path("id").asText();
        user.createKey(instanceId);
        user.createKey(instanceId);

        Reply fourth = user.client().post("/api/instances/" + instanceId + "/keys", json("name", "one too many"));
        assertThatReply(fourth).hasStatus(409);
        assertThat(fourth.json().path("error").path("code").asText()).isEqualTo("too_many_keys");
        assertThat(user.client().get("/api/instances/" + instanceId + "/keys").json().path("keys").size()).isEqualTo(3);

        // Another instance has its own allowance; a revoked key makes room.
        String other = user.createInstance().path("id").asText();
        assertThatReply(user.client().post("/api/instances/" + other + "/keys", json("name", "k"))).hasStatus(201);
        assertThatReply(user.client().delete("/api/instances/" + instanceId + "/keys/" + first)).hasStatus(204);
        assertThatReply(user.client().post("/api/instances/" + instanceId + "/keys", json("name", "again")))
                .hasStatus(201);
    }

    @Test
    void theStoreRefusesPastTheCapInOneStatement() {
        SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        for (int i = 0; i < 2; i++) {
            assertThat(api.store().createApiKey(instanceId, "pubid" + kind.ordinal() + "xyz" + i, "k", "hash", "abcd", 2))
                    .isPresent();
        }
        assertThat(api.store().createApiKey(instanceId, "pubid" + kind.ordinal() + "xyzz", "k", "hash", "abcd", 2))
                .isEmpty();
        assertThat(api.store().listApiKeys(instanceId)).hasSize(2);
    }
}
