package dev.picobase.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.testsupport.StoreKind;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An instance's secrets reach its hooks ({@code $os.getenv}) and nothing else: the listing has names
 * only, the metadata holds them encrypted, the instance's logs never show them, and the platform's
 * own environment is not passed. A change restarts a running instance on the new value. A deploy
 * token deploys code to its instance and is refused (403) everywhere else. Both metadata back ends.
 */
@ParameterizedClass
@CsvSource({"SQLITE, LOCAL", "LIBSQL, S3PROXY"})
@Timeout(180)
class SecretsAndDeployTokensTest extends PlatformPerBackEnds {
    static final String HOOK = """
            routerAdd("GET", "/secret", (c) => {
                return c.string(200, $os.getenv("GREETING") + "|" + $os.getenv("HOME") + "|"
                    + $os.getenv("PICOBASE_BIND_ADDRESS"))
            })
            """;

    @Test
    void aSecretIsReadByTheHookAndAppearsNowhereInClear() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String base = "/api/instances/" + tenant.id();
        String value = "s3cret-" + UUID.randomUUID();
        ApiClient.Reply set = user.client().send("PUT", base + "/env",
                HttpRequest.BodyPublishers.ofString(ApiClient.json("vars", Map.of("GREETING", value))));
        assertThat(set.status()).as(set.text()).isEqualTo(200);
        assertThat(set.text()).doesNotContain(value);
        ApiClient.Reply hooks = user.client().send("PUT", base + "/files/pb_hooks/main.pb.js",
                HttpRequest.BodyPublishers.ofString(HOOK));
        assertThat(hooks.status()).as(hooks.text()).isEqualTo(200);

        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        assertThat(gateway.send("GET", "/secret", null, Duration.ofSeconds(60)).text()).isEqualTo(value + "||");

        // Changed while it runs: restarted on the new value, requests served after.
        String second = "second-" + UUID.randomUUID();
        ApiClient.Reply changed = user.client().send("PUT", base + "/env",
                HttpRequest.BodyPublishers.ofString(ApiClient.json("vars", Map.of("GREETING", second))));
        assertThat(changed.status()).as(changed.text()).isEqualTo(200);
        assertThat(changed.json().path("instance").path("status").asText()).isEqualTo("running");
        assertThat(gateway.send("GET", "/secret", null, Duration.ofSeconds(60)).text()).isEqualTo(second + "||");

        ApiClient.Reply listed = user.client().get(base + "/env");
        assertThat(listed.status()).isEqualTo(200);
        JsonNode vars = listed.json().path("vars");
        assertThat(vars).hasSize(1);
        assertThat(vars.get(0).path("name").asText()).isEqualTo("GREETING");
        assertThat(vars.get(0).path("setAt").asText()).isNotEmpty();
        assertThat(vars.get(0).has("value")).isFalse();
        assertThat(listed.text()).doesNotContain(value).doesNotContain(second);
        assertThat(user.client().get(base + "/logs?lines=1000").text()).doesNotContain(value).doesNotContain(second);
        for (dev.picobase.core.model.StoredSecret s : api.store().listSecrets(tenant.id())) {
            assertThat(s.encryptedValue()).doesNotContain(value).doesNotContain(second);
        }
        if (store == StoreKind.SQLITE) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.getFileName().toString().startsWith("picobase.db")).toList()) {
                    String raw = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    assertThat(raw).as(f.toString()).doesNotContain(value).doesNotContain(second);
                }
            }
        }

        ApiClient.Reply deleted = user.client().delete(base + "/env/GREETING");
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
        assertThat(gateway.send("GET", "/secret", null, Duration.ofSeconds(60)).text()).isEqualTo("||");
        assertThat(user.client().delete(base + "/env/GREETING").status()).isEqualTo(404);

        for (String bad : new String[] {"lower", "1ST", "PATH", "LD_PRELOAD", "PICOBASE_SECRETS_KEY", "HOME"}) {
            ApiClient.Reply refused = user.client().send("PUT", base + "/env",
                    HttpRequest.BodyPublishers.ofString(ApiClient.json("vars", Map.of(bad, "x"))));
            assertThat(refused.status()).as(bad + ": " + refused.text()).isEqualTo(400);
        }
        ApiClient other = api.client().signUpAndSignIn().client();
        assertThat(other.get(base + "/env").status()).isEqualTo(404);
    }

    @Test
    void aDeployTokenDeploysToItsInstanceAndIsRefusedEverywhereElse() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        ApiClient.Tenant sibling = user.createInstanceWithKey();
        String base = "/api/instances/" + tenant.id();
        ApiClient.Reply created = user.client().post(base + "/deploy-tokens", ApiClient.json("name", "ci"));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String token = created.json().path("token").asText();
        assertThat(token).startsWith("pbd_");
        ApiClient.Reply listed = user.client().get(base + "/deploy-tokens");
        assertThat(listed.json().path("tokens").get(0).path("name").asText()).isEqualTo("ci");
        assertThat(listed.text()).doesNotContain(token);

        ApiClient deployer = api.client().withToken(token);
        ApiClient.Reply page = deployer.send("PUT", base + "/files/pb_public/index.html",
                HttpRequest.BodyPublishers.ofString("<h1>from CI</h1>"));
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        assertThat(deployer.get(base + "/files/pb_public").status()).isEqualTo(200);
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        assertThat(gateway.send("GET", "/", null, Duration.ofSeconds(60)).text()).isEqualTo("<h1>from CI</h1>");

        for (ApiClient.Reply refused : new ApiClient.Reply[] {
                deployer.get(base + "/keys"),
                deployer.post(base + "/keys", ApiClient.json("name", "stolen")),
                deployer.delete(base),
                deployer.get(base + "/env"),
                deployer.post(base + "/deploy-tokens", ApiClient.json("name", "more")),
                deployer.get("/api/instances"),
                deployer.get("/api/instances/" + sibling.id() + "/files/pb_public")}) {
            assertThat(refused.status()).as(refused.text()).isEqualTo(403);
            assertThat(refused.errorCode()).isEqualTo("deploy_token_scope");
        }
        assertThat(user.client().get(base).status()).isEqualTo(200); // not deleted

        String id = created.json().path("id").asText();
        assertThat(user.client().delete(base + "/deploy-tokens/" + id).status()).isEqualTo(204);
        assertThat(deployer.get(base + "/files/pb_public").status()).isEqualTo(401);
    }
}
