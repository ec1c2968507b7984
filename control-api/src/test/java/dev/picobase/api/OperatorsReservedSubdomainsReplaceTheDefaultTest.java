package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code PICOBASE_RESERVED_SUBDOMAINS} replaces the built-in reserved list, in create and in the
 * admin UI's live check alike; the structural "--" rule stays. Before, the list was a constant the
 * operator could neither extend (their own "intranet") nor shorten (to hand out "www" on a domain
 * of their own). The metadata store plays no part, so one back end is enough.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorsReservedSubdomainsReplaceTheDefaultTest {
    private RunningApi api;
    private SignedIn user;

    @BeforeAll
    void startApi(@TempDir Path dataDir) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir,
                Map.of("PICOBASE_RESERVED_SUBDOMAINS", " Intranet, corp-mail ,,"), Clock.systemUTC());
        user = api.client().signUpAndSignIn();
    }

    @AfterAll
    void stopApi() {
        api.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"intranet", "corp-mail", "xn--myapp", "ab--cd"})
    void theOperatorsNamesAndDoubleHyphensAreRefused(String subdomain) {
        Reply created = user.client().post("/api/instances", json("name", "x", "subdomain", subdomain));
        Reply check = user.client().get("/api/subdomains/" + subdomain);

        assertThatReply(created).isInvalid("subdomain");
        assertThat(check.json().path("available").asBoolean()).isFalse();
        assertThat(check.json().path("problem").asText())
                .isEqualTo(created.json().path("error").path("message").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"www", "admin", "autodiscover"})
    void namesOnlyTheDefaultListReservedAreFree(String subdomain) {
        assertThat(user.client().get("/api/subdomains/" + subdomain).json().path("available").asBoolean()).isTrue();
        assertThatReply(user.client().post("/api/instances", json("name", "x", "subdomain", subdomain)))
                .hasStatus(201);
    }
}
