package dev.picobase.api;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Paths and methods the API does not serve get the JSON error shape, never an HTML page or a hang. */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnknownRoutesTest {
    @Parameter
    StoreKind kind;

    private RunningApi api;
    private ApiClient user;

    @BeforeParameterizedClassInvocation
    void startApi(StoreKind kind, @TempDir Path dataDir) {
        api = RunningApi.start(kind, dataDir);
        user = api.client().signUpAndSignIn().client();
    }

    @AfterParameterizedClassInvocation
    void stopApi() {
        api.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/nope", "/api/", "/api/instances/x/y/z", "/api/auth", "/api/auth/signin/extra",
        "/api/instances/x/keys/y/z"})
    void anUnknownApiPathIsAJson404(String path) {
        assertThatReply(api.client().get(path)).isError(404, "not_found");
        assertThatReply(user.get(path)).isError(404, "not_found");
    }

    @Test
    void aKnownPathWithTheWrongMethodIs405WithAllow() {
        assertAllowed(api.client().send("PUT", "/api/instances", "{}"), "GET", "POST");
        assertAllowed(api.client().send("PUT", "/api/me", "{}"), "GET", "DELETE");
        assertAllowed(api.client().get("/api/auth/signin"), "POST");
        assertAllowed(api.client().send("PUT", "/api/instances/ins_x", "{}"), "GET", "PATCH", "DELETE");
        assertAllowed(api.client().get("/api/instances/ins_x/start"), "POST");
    }

    @Test
    void theHealthEndpointAnswersWithoutASession() {
        Reply health = api.client().get("/api/health");

        assertThatReply(health).hasStatus(200);
        assertThat(health.json().path("status").asText()).isEqualTo("ok");
    }

    @Test
    void apiResponsesAreNeverCached() {
        assertThat(user.get("/api/me").headers().firstValue("cache-control")).contains("no-store");
        assertThat(api.client().get("/api/nope").headers().firstValue("cache-control")).contains("no-store");
    }

    private static void assertAllowed(Reply reply, String... methods) {
        assertThatReply(reply).isError(405, "method_not_allowed");
        assertThat(reply.headers().firstValue("allow")).hasValueSatisfying(allow ->
                assertThat(allow.split(",\\s*")).containsExactlyInAnyOrder(methods));
    }
}
