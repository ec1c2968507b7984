package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Display names (accounts, instances, keys) refuse bidirectional controls and other invisible
 * format characters. Before, only ASCII control characters were refused: an instance named
 * "invoice" + U+202E + "fdp.exe" was stored and shown in the admin UI as "invoiceexe.pdf", and a
 * zero-width space made a second "Production" that looked exactly like the first. Then invisible
 * characters outside Unicode's format category got through: an instance named just U+3164 (Hangul
 * filler) was created and shown as a blank name, and a name of no-break or ideographic spaces was
 * not "missing". The metadata store plays no part in the check, so one back end is enough.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NamesWithInvisibleCharactersAreRefusedTest {
    private RunningApi api;
    private SignedIn user;
    private String instanceId;

    @BeforeAll
    void startApi(@TempDir Path dataDir) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir);
        user = api.client().signUpAndSignIn();
        instanceId = user.createInstance().path("id").asText();
    }

    @AfterAll
    void stopApi() {
        api.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"invoice\u202Efdp.exe", "left\u202Aright", "x\u202Dy", "\u2066isolated\u2069",
        "\u2067rtl", "\u2068first", "Pro\u200Bduction", "zero\u200Cnon-joiner", "zero\u200Djoiner", "mark\u200E",
        "mark\u200F", "word\u2060joiner", "invisible\u2062times", "\uFEFFbom", "soft\u00ADhyphen",
        "line\u2028separator", "\u3164", "a\u115Fb", "a\u1160b", "\uFFA0", "grapheme\u034Fjoiner", "k\u17B4",
        "k\u17B5", "\u2800", "braille\u2800blank", "Production\uFE00", "Production\uFE0F", "x\uDB40\uDD00",
        "x\uDB40\uDDEF", "mongolian\u180Eseparator", "fvs\u180B", "tag\uDB40\uDC41"})
    void everyNameFieldRefusesIt(String name) {
        String hex = String.format("U+%04X", name.codePoints().filter(c -> c > 0x7E).findFirst().orElseThrow());
        assertRefused(name, "name must not contain invisible or text-direction characters (found " + hex + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u00A0", "\u2000\u2001\u2002", "\u2007\u200A", "\u205F", "\u3000\u3000",
        "\u202F", " \u00A0 \u3000 "})
    void aNameOfOnlySpacesOfAnyKindIsMissing(String name) {
        assertRefused(name, "name is required");
    }

    private void assertRefused(String name, String message) {
        Reply signUp = api.client().post("/api/auth/signup",
                json("name", name, "email", Unique.email(), "password", "correct horse battery"));
        Reply create = user.client().post("/api/instances", json("name", name, "subdomain", Unique.subdomain()));
        Reply rename = user.client().send("PATCH", "/api/instances/" + instanceId, json("name", name));
        Reply key = user.client().post("/api/instances/" + instanceId + "/keys", json("name", name));

        for (Reply reply : new Reply[] {signUp, create, rename, key}) {
            assertThatReply(reply).isInvalid("name");
            assertThat(reply.json().path("error").path("message").asText()).isEqualTo(message);
        }
        assertThat(user.client().get("/api/instances").json().path("instances")).hasSize(1);
        assertThat(user.client().get("/api/instances/" + instanceId).json().path("name").asText())
                .isEqualTo("Test app");
        assertThat(user.client().get("/api/instances/" + instanceId + "/keys").json().path("keys")).isEmpty();
    }

    @Test
    void lettersOfAnyScriptSpacesAndEmojiAreStillNames() {
        String name = "Café ☕ 日本語 עברית مرحبا ❤\uFE0F Ünïcödé\u00A0Co 한글";

        Reply created = user.client().post("/api/instances", json("name", name, "subdomain", Unique.subdomain()));

        assertThatReply(created).hasStatus(201);
        assertThat(created.json().path("name").asText()).isEqualTo(name);
        user.client().delete("/api/instances/" + created.json().path("id").asText());
    }
}
