package dev.picobase.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.PicobaseScript;
import dev.picobase.api.testsupport.PicobaseScript.Outcome;
import dev.picobase.api.testsupport.RepoFiles;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./picobase deploy}, the real script, uploads the example app kept in the repository
 * ({@code examples/hello-app}) with a deploy token: its hook answers through the gateway with the
 * instance's secret, its migration's collection exists, its page is served at {@code /}; the command
 * prints what it uploaded and the URL. A wrong token exits 1 with the API's message, misuse 2, and a
 * broken hook exits 1 with PocketBase's error.
 */
@Timeout(180)
class DeployCommandDeploysTheExampleAppTest {
    @TempDir
    Path dir;

    @Test
    void theExampleAppIsDeployedAndServed() throws Exception {
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir.resolve("data"))) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            ApiClient.Tenant tenant = user.createInstanceWithKey();
            String base = "/api/instances/" + tenant.id();
            assertThat(user.client().send("PUT", base + "/env", HttpRequest.BodyPublishers.ofString(
                    ApiClient.json("vars", Map.of("GREETING", "Bonjour")))).status()).isEqualTo(200);
            String token = user.client().post(base + "/deploy-tokens", ApiClient.json("name", "laptop")).json()
                    .path("token").asText();
            Path app = RepoFiles.path("examples/hello-app");
            PicobaseScript script = PicobaseScript.in(dir);
            String apiUrl = "http://127.0.0.1:" + api.port();

            Outcome deployed = script.run("deploy", "--instance", tenant.subdomain(), "--token", token,
                    "--api", apiUrl, app.toString());
            assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
            assertThat(deployed.stdout()).contains("uploaded pb_hooks: 1 file, ")
                    .contains("uploaded pb_migrations: 1 file, ").contains("uploaded pb_public: 1 file, ")
                    .contains("deployed to http://" + tenant.subdomain() + ".localhost");

            TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
            RawHttp.Response hello = gateway.send("GET", "/hello", null, Duration.ofSeconds(60));
            assertThat(hello.status()).as(hello.text()).isEqualTo(200);
            assertThat(hello.json().path("message").asText()).isEqualTo("Bonjour from hello-app");
            assertThat(gateway.send("GET", "/api/collections/messages/records", null).status()).isEqualTo(200);
            assertThat(gateway.send("GET", "/", null).body())
                    .isEqualTo(Files.readAllBytes(app.resolve("pb_public/index.html")));

            Outcome wrongToken = script.run("deploy", "--instance", tenant.subdomain(), "--token", "pbd_nope",
                    "--api", apiUrl, app.toString());
            assertThat(wrongToken.exitCode()).as(wrongToken.toString()).isEqualTo(1);
            assertThat(wrongToken.stderr()).contains("the deploy token is invalid or was revoked");
            assertThat(script.run("deploy", "--instance", tenant.subdomain(), app.toString()).exitCode())
                    .isEqualTo(2);

            Path broken = dir.resolve("broken-app");
            Files.createDirectories(broken.resolve("pb_hooks"));
            Files.writeString(broken.resolve("pb_hooks/main.pb.js"), "routerAdd(\"GET\", \"/x\", (c) => {\n");
            Outcome failed = script.run("deploy", "--instance", tenant.subdomain(), "--token", token,
                    "--api", apiUrl, broken.toString());
            assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
            assertThat(failed.stderr()).contains("did not start on the new code").contains("SyntaxError");
        }
    }
}
