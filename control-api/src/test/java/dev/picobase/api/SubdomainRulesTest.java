package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.core.secret.Tokens;
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

/**
 * Subdomains are DNS labels of 3–63 lowercase letters, digits and inner hyphens, unique across all
 * users, with reserved names and labels with "--" in the third and fourth characters (IDN's xn--)
 * refused; the availability check says the same as create. The default reserved list used to miss
 * the names mail clients and browsers look up by themselves (autodiscover, wpad, ...) and to refuse
 * ordinary project names (app, blog, dev, test, prod).
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubdomainRulesTest {
    private static final String SIXTY_FOUR = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    @Parameter
    StoreKind kind;

    private RunningApi api;
    private SignedIn user;

    @BeforeParameterizedClassInvocation
    void startApi(StoreKind kind, @TempDir Path dataDir) {
        api = RunningApi.start(kind, dataDir);
        user = api.client().signUpAndSignIn();
    }

    @AfterParameterizedClassInvocation
    void stopApi() {
        api.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", SIXTY_FOUR, "MyApp", "my_app", "-myapp", "myapp-", "my.app", "www", "api", "admin",
        "xn--myapp", "my--app--é", "ab--cd", "autodiscover", "autoconfig", "mta-sts", "wpad", "isatap", "webmail",
        "cpanel"})
    void aBadSubdomainIsRefusedNamingTheField(String subdomain) {
        Reply reply = user.client().post("/api/instances", json("name", "x", "subdomain", subdomain));

        assertThatReply(reply).isInvalid("subdomain");
        assertThat(reply.json().path("error").path("message").asText()).containsIgnoringCase("subdomain");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", SIXTY_FOUR, "MyApp", "my_app", "-myapp", "myapp-", "my.app", "www", "api", "admin",
        "xn--myapp", "ab--cd", "autodiscover", "autoconfig", "mta-sts", "wpad", "isatap", "webmail", "cpanel"})
    void theAvailabilityCheckExplainsWhatIsWrong(String subdomain) {
        Reply reply = user.client().get("/api/subdomains/" + subdomain);

        assertThatReply(reply).hasStatus(200);
        assertThat(reply.json().path("subdomain").asText()).isEqualTo(subdomain);
        assertThat(reply.json().path("available").asBoolean()).isFalse();
        assertThat(reply.json().path("problem").asText()).isNotBlank();
        assertThat(reply.json().path("url").isNull()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"app", "blog", "dev", "test", "prod"})
    void namesTenantsWantAreNotReserved(String subdomain) {
        Reply check = user.client().get("/api/subdomains/" + subdomain);
        assertThat(check.json().path("available").asBoolean()).as(check.text()).isTrue();

        Reply created = user.client().post("/api/instances", json("name", "mine", "subdomain", subdomain));

        assertThatReply(created).hasStatus(201);
        // Freed again: the libSQL store is shared by every test class in this JVM.
        assertThatReply(user.client().delete("/api/instances/" + created.json().path("id").asText())).hasStatus(204);
    }

    @Test
    void aFreeSubdomainIsAvailableWithItsUrl() {
        String subdomain = Unique.subdomain();

        Reply reply = user.client().get("/api/subdomains/" + subdomain);

        assertThatReply(reply).hasStatus(200);
        assertThat(reply.json().path("available").asBoolean()).isTrue();
        assertThat(reply.json().path("url").asText()).isEqualTo(api.config().instanceUrl(subdomain));
        assertThat(reply.json().path("problem").isNull()).isTrue();
    }

    @Test
    void theShortestAndLongestLabelsAndInnerHyphensAreAccepted() {
        // A leading digit keeps the random three-character name clear of the reserved words.
        for (String subdomain : new String[] {"7" + Tokens.randomId(2), "a" + Tokens.randomId(62),
                "my-app-" + Tokens.randomId(6), "9" + Tokens.randomId(8)}) {
            assertThatReply(user.client().post("/api/instances", json("name", "x", "subdomain", subdomain)))
                    .as(subdomain).hasStatus(201);
        }
    }

    @Test
    void aTakenSubdomainIsRefusedToEveryone() {
        String subdomain = Unique.subdomain();
        assertThatReply(user.client().post("/api/instances", json("name", "first", "subdomain", subdomain)))
                .hasStatus(201);
        SignedIn someoneElse = api.client().signUpAndSignIn();

        assertThatReply(user.client().post("/api/instances", json("name", "again", "subdomain", subdomain)))
                .isError(409, "subdomain_taken").namesField("subdomain");
        assertThatReply(someoneElse.client().post("/api/instances", json("name", "mine", "subdomain", subdomain)))
                .isError(409, "subdomain_taken").namesField("subdomain");
        assertThat(someoneElse.client().get("/api/instances").json().path("instances")).isEmpty();

        Reply check = someoneElse.client().get("/api/subdomains/" + subdomain);
        assertThat(check.json().path("available").asBoolean()).isFalse();
        assertThat(check.json().path("problem").asText()).contains("taken");
    }

    @Test
    void theAvailabilityCheckNeedsASession() {
        assertThatReply(api.client().get("/api/subdomains/" + Unique.subdomain())).isError(401, "unauthorized");
    }
}
