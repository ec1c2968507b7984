package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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

/**
 * Input is strict: a missing field, a value of the wrong type or an unknown field is a 400 that
 * names the field; a body that is not a JSON object is a 400 {@code malformed_json}. Nothing is
 * created by a refused request.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidationErrorsTest {
    private static final String PASSWORD = "correct horse battery";

    @Parameter
    StoreKind kind;

    private RunningApi api;
    private SignedIn user;
    private String instanceId;

    @BeforeParameterizedClassInvocation
    void startApi(StoreKind kind, @TempDir Path dataDir) {
        api = RunningApi.start(kind, dataDir);
        user = api.client().signUpAndSignIn();
        instanceId = user.createInstance().path("id").asText();
    }

    @AfterParameterizedClassInvocation
    void stopApi() {
        api.close();
    }

    private Reply signUp(String body) {
        return api.client().post("/api/auth/signup", body);
    }

    private Reply createInstance(String body) {
        return user.client().post("/api/instances", body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"name", "email", "password"})
    void signUpWithoutAFieldNamesIt(String missing) {
        Map<String, String> fields = new LinkedHashMap<>(
                Map.of("name", "Ada", "email", Unique.email(), "password", PASSWORD));
        fields.remove(missing);
        String email = fields.get("email");

        assertThatReply(signUp(json(flatten(fields)))).isInvalid(missing);
        if (email != null) {
            assertThat(api.store().findCredentials(email)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"name", "email", "password"})
    void signUpWithANullFieldNamesIt(String field) {
        Map<String, Object> fields = new LinkedHashMap<>(
                Map.of("name", "Ada", "email", Unique.email(), "password", PASSWORD));
        fields.put(field, null);

        assertThatReply(signUp(json(flatten(fields)))).isInvalid(field);
    }

    @Test
    void createInstanceWithoutAFieldNamesIt() {
        ApiClient fresh = api.client().signUpAndSignIn().client();

        assertThatReply(fresh.post("/api/instances", json("subdomain", Unique.subdomain()))).isInvalid("name");
        assertThatReply(fresh.post("/api/instances", json("name", "x"))).isInvalid("subdomain");
        assertThatReply(fresh.post("/api/instances", json("name", "   ", "subdomain", Unique.subdomain())))
                .isInvalid("name");
        assertThatReply(fresh.post("/api/instances", "{}")).isError(400, "invalid_input");
        assertThat(fresh.get("/api/instances").json().path("instances")).isEmpty();
    }

    @Test
    void createKeyWithoutANameNamesIt() {
        SignedIn fresh = api.client().signUpAndSignIn();
        String keys = "/api/instances/" + fresh.createInstance().path("id").asText() + "/keys";

        assertThatReply(fresh.client().post(keys, "{}")).isInvalid("name");
        assertThatReply(fresh.client().post(keys, json("name", 7))).isInvalid("name");
        assertThat(fresh.client().get(keys).json().path("keys")).isEmpty();
    }

    @Test
    void aValueOfTheWrongTypeNamesTheField() {
        String subdomain = Unique.subdomain();
        assertThatReply(createInstance(json("name", 42, "subdomain", subdomain))).isInvalid("name");
        assertThatReply(createInstance(json("name", true, "subdomain", subdomain))).isInvalid("name");
        assertThatReply(createInstance(json("name", 1.5, "subdomain", subdomain))).isInvalid("name");
        assertThatReply(createInstance(json("name", List.of("x"), "subdomain", subdomain))).isInvalid("name");
        assertThatReply(createInstance(json("name", Map.of("x", 1), "subdomain", subdomain))).isInvalid("name");
        assertThatReply(createInstance(json("name", "x", "subdomain", 12345))).isInvalid("subdomain");
        assertThatReply(signUp(json("name", "Ada", "email", 42, "password", PASSWORD))).isInvalid("email");
        assertThatReply(signUp(json("name", "Ada", "email", Unique.email(), "password", 12345678)))
                .isInvalid("password");
        assertThat(user.client().get("/api/subdomains/" + subdomain).json().path("available").asBoolean()).isTrue();
    }

    @Test
    void anUnknownFieldIsRefusedByName() {
        String subdomain = Unique.subdomain();
        assertThatReply(createInstance(json("name", "x", "subdomain", subdomain, "ownerId", "usr_someone")))
                .isInvalid("ownerId");
        assertThatReply(createInstance(json("name", "x", "subdomain", subdomain, "status", "running")))
                .isInvalid("status");
        assertThatReply(signUp(json("name", "Ada", "email", Unique.email(), "password", PASSWORD, "admin", true)))
                .isInvalid("admin");
        assertThat(user.client().get("/api/subdomains/" + subdomain).json().path("available").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-an-email", "ada@", "@example.com", "ada@example", "ada @example.com",
        "ada@exa mple.com", "ada@@example.com"})
    void aBadEmailIsRefused(String email) {
        assertThatReply(signUp(json("name", "Ada", "email", email, "password", PASSWORD))).isInvalid("email");
        assertThatReply(api.client().post("/api/auth/signin", json("email", email, "password", PASSWORD)))
                .isInvalid("email");
    }

    @Test
    void aPasswordShorterThanEightCharactersIsRefused() {
        assertThatReply(signUp(json("name", "Ada", "email", Unique.email(), "password", "seven77")))
                .isInvalid("password");
        assertThatReply(signUp(json("name", "Ada", "email", Unique.email(), "password", ""))).isInvalid("password");
        assertThatReply(signUp(json("name", "Ada", "email", Unique.email(), "password", "eight888"))).hasStatus(201);
    }

    @Test
    void aPasswordLongerThan72BytesIsRefusedRatherThanCut() {
        assertThatReply(signUp(json("name", "Ada", "email", Unique.email(), "password", "p".repeat(73))))
                .isInvalid("password");
        // 40 characters but 80 bytes in UTF-8: bcrypt would silently ignore the last 8 bytes.
        assertThatReply(signUp(json("name", "Ada", "email", Unique.email(), "password", "é".repeat(40))))
                .isInvalid("password");
        assertThatReply(signUp(json("name", "Ada", "email", Unique.email(), "password", "p".repeat(72))))
                .hasStatus(201);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1001", "-5", "ten", "1.5"})
    void aLogLineCountOutOfRangeNamesTheParameter(String lines) {
        assertThatReply(user.client().get("/api/instances/" + instanceId + "/logs?lines=" + lines)).isInvalid("lines");
    }

    @Test
    void aTooLongNameIsRefused() {
        assertThatReply(createInstance(json("name", "n".repeat(101), "subdomain", Unique.subdomain())))
                .isInvalid("name");
        assertThatReply(signUp(json("name", "n".repeat(101), "email", Unique.email(), "password", PASSWORD)))
                .isInvalid("name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"name\": }", "{'name': 'x'}", "not json", "{\"name\": \"x\"} trailing",
        "{\"name\": \"x\", \"name\": \"y\", \"subdomain\": \"abcdef\"}", "{\"name\": \"x\",}"})
    void malformedJsonIsRefused(String body) {
        assertThatReply(createInstance(body)).isError(400, "malformed_json");
        assertThatReply(signUp(body)).isError(400, "malformed_json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"name\": \"x\", \"subdomain\": \"abcdef\"}]", "null", "\"text\"", "42", "true"})
    void aBodyThatIsNotAJsonObjectIsRefused(String body) {
        assertThatReply(createInstance(body)).isError(400, "malformed_json");
        assertThatReply(signUp(body)).isError(400, "malformed_json");
        assertThatReply(api.client().post("/api/auth/signin", body)).isError(400, "malformed_json");
    }

    @Test
    void anEmptyBodyIsRefused() {
        assertThatReply(createInstance("")).isError(400, "malformed_json");
        assertThatReply(api.client().post("/api/auth/signup")).isError(400, "malformed_json");
        assertThatReply(api.client().post("/api/auth/signin")).isError(400, "malformed_json");
        assertThatReply(user.client().post("/api/instances/" + instanceId + "/keys")).isError(400, "malformed_json");
    }

    @Test
    void aBodyIsReadAsJsonWhateverItsContentTypeSays() {
        ApiClient formClient = api.client().signUpAndSignIn().client().withHeader("Content-Type", "application/x-www-form-urlencoded");

        assertThatReply(formClient.post("/api/instances", "name=x&subdomain=abcdef")).isError(400, "malformed_json");
        assertThatReply(formClient.post("/api/instances", json("name", "x", "subdomain", Unique.subdomain())))
                .hasStatus(201);
    }

    private static Object[] flatten(Map<String, ?> fields) {
        return fields.entrySet().stream().flatMap(e -> Stream.of(e.getKey(), e.getValue()))
                .toArray();
    }
}
