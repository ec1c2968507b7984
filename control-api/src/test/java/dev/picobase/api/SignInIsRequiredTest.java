package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.InstanceCalls;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.core.secret.Tokens;
import dev.picobase.testsupport.StoreKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Every account endpoint answers 401 without a valid session, and changes nothing. */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignInIsRequiredTest extends PlatformPerStoreKind {
    /** Every endpoint that needs a session, with a real instance and key id so only the session is missing. */
    private List<String[]> protectedCalls(String instanceId, String keyId) {
        List<String[]> calls = new ArrayList<>(List.of(
                new String[] {"GET", "/api/me", null},
                new String[] {"POST", "/api/auth/signout", null},
                new String[] {"GET", "/api/instances", null},
                new String[] {"POST", "/api/instances", json("name", "x", "subdomain", Unique.subdomain())},
                new String[] {"GET", "/api/subdomains/" + Unique.subdomain(), null}));
        calls.addAll(InstanceCalls.on(instanceId, keyId));
        return calls;
    }

    @Test
    void withoutATokenEveryAccountEndpointAnswers401() {
        SignedIn owner = api.client().signUpAndSignIn();
        String instanceId = owner.createInstance().path("id").asText();
        JsonNode key = owner.createKey(instanceId);
        String keyId = key.path("id").asText();
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();

        for (String[] call : protectedCalls(instanceId, keyId)) {
            assertThatReply(api.client().send(call[0], call[1], call[2]))
                    .as("%s %s", call[0], call[1]).isError(401, "unauthorized");
        }
        assertThat(owner.client().get("/api/instances/" + instanceId).json().path("status").asText())
                .isEqualTo("stopped");
        assertThat(owner.client().get("/api/instances/" + instanceId + "/keys").json().path("keys")).hasSize(1);
        assertThat(api.gatewayAccepts(key.path("key").asText())).isTrue();
    }

    @Test
    void aGarbageOrUnknownTokenAnswers401() {
        SignedIn owner = api.client().signUpAndSignIn();
        String instanceId = owner.createInstance().path("id").asText();
        String keyId = owner.createKey(instanceId).path("id").asText();
        List<ApiClient> impostors = List.of(
                api.client().withHeader("Authorization", "Bearer garbage"),
                api.client().withHeader("Authorization", "Bearer "),
                api.client().withHeader("Authorization", "Bearer pbs_" + Tokens.randomSecret(32)),
                api.client().withHeader("Authorization", "Bearer " + owner.token() + "x"),
                api.client().withHeader("Authorization", "Bearer " + owner.csrfToken()),
                api.client().withCookies("picobase_session", "garbage"));

        for (ApiClient impostor : impostors) {
            for (String[] call : protectedCalls(instanceId, keyId)) {
                assertThatReply(impostor.send(call[0], call[1], call[2]))
                        .as("%s %s", call[0], call[1]).isError(401, "unauthorized");
            }
        }
        assertThat(owner.client().get("/api/instances").json().path("instances")).hasSize(1);
    }

    @Test
    void anAuthorizationHeaderOfAnotherSchemeIsNotASession() {
        SignedIn user = api.client().signUpAndSignIn();

        assertThatReply(api.client().withHeader("Authorization", "Basic " + user.token()).get("/api/me"))
                .isError(401, "unauthorized");
        assertThatReply(api.client().withHeader("Authorization", user.token()).get("/api/me"))
                .isError(401, "unauthorized");
    }
}
