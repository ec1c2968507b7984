package dev.picobase.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.PlatformProcess;
import dev.picobase.api.scale.PlatformProcesses;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.SqldServer;
import dev.picobase.testsupport.StoreKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A secret's value goes to its instance's PocketBase and nowhere else: not into the platform's own
 * output (its log, as {@code picobase up} prints it), and not in clear into any file under the data
 * directory (the metadata database, the instances' logs, the local object store). The platform runs
 * as a real process and the value passes through every path that handles one: set, read by a hook
 * through the gateway, changed while the instance runs (a restart), a stop and a cold start, and
 * requests that are refused — malformed JSON and a bad name — whose error must not quote the body.
 * Both metadata back ends.
 */
@Timeout(180)
class SecretValuesStayOutOfThePlatformLogTest {
    static final String HOOK = """
            routerAdd("GET", "/secret", (c) => c.string(200, $os.getenv("GREETING")))
            """;

    @RegisterExtension
    final PlatformProcesses platforms = new PlatformProcesses();

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aSecretsValueIsInNoLogAndNoFileInClear(StoreKind store) throws IOException {
        Map<String, String> settings = store == StoreKind.LIBSQL
                ? Map.of("TURSO_DATABASE_URL", SqldServer.shared().url(), "PICOBASE_IDLE_TIMEOUT", "1h")
                : Map.of("PICOBASE_IDLE_TIMEOUT", "1h");
        PlatformProcess platform = platforms.start("platform", settings, false);
        ApiClient.SignedIn user = platform.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String base = "/api/instances/" + tenant.id();
        String first = secret("first");
        String second = secret("second");
        String malformed = secret("malformed");
        String badName = secret("badname");
        List<String> values = List.of(first, second, malformed, badName);

        assertThat(user.client().send("PUT", base + "/env", ApiClient.json("vars", Map.of("GREETING", first))).status())
                .isEqualTo(200);
        assertThat(user.client().send("PUT", base + "/files/pb_hooks/main.pb.js",
                java.net.http.HttpRequest.BodyPublishers.ofString(HOOK)).status()).isEqualTo(200);
        TenantGateway gateway = new TenantGateway(platform.gatewayPort(), tenant.subdomain(), tenant.key());
        assertThat(gateway.send("GET", "/secret", null, Duration.ofSeconds(60)).text()).isEqualTo(first);

        // Changed while running: a restart on the new value.
        assertThat(user.client().send("PUT", base + "/env", ApiClient.json("vars", Map.of("GREETING", second))).status())
                .isEqualTo(200);
        assertThat(gateway.send("GET", "/secret", null, Duration.ofSeconds(60)).text()).isEqualTo(second);

        // Refused requests: the error names the problem, never the value sent.
        ApiClient.Reply cut = user.client().send("PUT", base + "/env", "{\"vars\": {\"GREETING\": \"" + malformed + "\"");
        assertThat(cut.status()).isEqualTo(400);
        assertThat(cut.text()).doesNotContain(malformed);
        ApiClient.Reply named = user.client().send("PUT", base + "/env",
                ApiClient.json("vars", Map.of("not a name", badName)));
        assertThat(named.status()).isEqualTo(400);
        assertThat(named.text()).doesNotContain(badName);

        // A stop (a save) and a cold start: the value comes back from the metadata, still only to PocketBase.
        assertThat(user.client().post(base + "/stop").status()).isEqualTo(200);
        Deadline.await("the instance is stopped", Duration.ofSeconds(30),
                () -> user.client().get(base).json().path("status").asText().equals("stopped"));
        assertThat(gateway.send("GET", "/secret", null, Duration.ofSeconds(60)).text()).isEqualTo(second);

        String output = platform.output();
        assertThat(output).as("the platform's log").contains(tenant.id()); // it did log the instance's life
        for (String value : values) {
            assertThat(output).as("the platform's log").doesNotContain(value);
        }
        try (Stream<Path> files = Files.walk(platforms.dataDir())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String raw = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                for (String value : values) {
                    assertThat(raw).as(file.toString()).doesNotContain(value);
                }
            }
        }
    }

    private static String secret(String what) {
        return what + "-" + UUID.randomUUID();
    }
}
