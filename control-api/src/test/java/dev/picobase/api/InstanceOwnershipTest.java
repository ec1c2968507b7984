package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.InstanceCalls;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.StoreKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Another user's instance is answered exactly like one that does not exist: 404, never 403, with
 * the same body, so ids cannot be probed; and nothing about it changes.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstanceOwnershipTest extends PlatformPerStoreKind {
    @Test
    void anotherUsersInstanceIsNotFoundWhateverIsAsked() {
        SignedIn owner = api.client().signUpAndSignIn();
        String instanceId = owner.createInstance().path("id").asText();
        JsonNode key = owner.createKey(instanceId);
        String keyId = key.path("id").asText();
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();
        SignedIn intruder = api.client().signUpAndSignIn();

        List<String[]> onTheirs = InstanceCalls.on(instanceId, keyId);
        List<String[]> onNothing = InstanceCalls.on("ins_doesnotexist", keyId);
        for (int i = 0; i < onTheirs.size(); i++) {
            String[] call = onTheirs.get(i);
            Reply reply = intruder.client().send(call[0], call[1], call[2]);
            assertThatReply(reply).as("%s %s", call[0], call[1]).isError(404, "not_found");
            String[] same = onNothing.get(i);
            assertThat(reply.text()).as("%s %s answers like a missing instance", call[0], call[1])
                    .isEqualTo(intruder.client().send(same[0], same[1], same[2]).text());
        }

        Reply seenByOwner = owner.client().get("/api/instances/" + instanceId);
        assertThatReply(seenByOwner).hasStatus(200);
        assertThat(seenByOwner.json().path("status").asText()).isEqualTo("stopped");
        Reply keys = owner.client().get("/api/instances/" + instanceId + "/keys");
        assertThat(keys.json().path("keys")).hasSize(1);
        assertThat(keys.json().path("keys").get(0).path("id").asText()).isEqualTo(keyId);
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();
    }

    @Test
    void anotherUsersRunningInstanceCannotBeStopped() {
        SignedIn owner = api.client().signUpAndSignIn();
        String instanceId = owner.createInstance().path("id").asText();
        assertThatReply(owner.client().post("/api/instances/" + instanceId + "/start")).hasStatus(200);
        SignedIn intruder = api.client().signUpAndSignIn();

        assertThatReply(intruder.client().post("/api/instances/" + instanceId + "/stop")).isError(404, "not_found");

        assertThat(owner.client().get("/api/instances/" + instanceId).json().path("status").asText())
                .isIn("starting", "running");
    }

    @Test
    void theListShowsOnlyMyOwnInstances() {
        SignedIn alice = api.client().signUpAndSignIn();
        SignedIn bob = api.client().signUpAndSignIn();
        String alicesId = alice.createInstance().path("id").asText();
        String bobsId = bob.createInstance().path("id").asText();

        Reply alicesList = alice.client().get("/api/instances");
        Reply bobsList = bob.client().get("/api/instances");

        assertThat(alicesList.json().path("instances")).hasSize(1);
        assertThat(alicesList.json().path("instances").get(0).path("id").asText()).isEqualTo(alicesId);
        assertThat(bobsList.json().path("instances")).hasSize(1);
        assertThat(bobsList.json().path("instances").get(0).path("id").asText()).isEqualTo(bobsId);
    }

    @Test
    void aKeyCannotBeDeletedThroughAnotherInstance() {
        SignedIn owner = api.client().signUpAndSignIn();
        String instanceId = owner.createInstance().path("id").asText();
        JsonNode key = owner.createKey(instanceId);
        String keyId = key.path("id").asText();
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();
        String ownersOtherInstance = owner.createInstance().path("id").asText();
        SignedIn intruder = api.client().signUpAndSignIn();
        String intrudersInstance = intruder.createInstance().path("id").asText();

        assertThatReply(intruder.client().delete("/api/instances/" + intrudersInstance + "/keys/" + keyId))
                .isError(404, "not_found");
        assertThatReply(owner.client().delete("/api/instances/" + ownersOtherInstance + "/keys/" + keyId))
                .isError(404, "not_found");

        assertThat(api.store().findApiKey(keyId)).isPresent();
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();
        assertThat(owner.client().get("/api/instances/" + instanceId + "/keys").json().path("keys")).hasSize(1);
    }
}
