package dev.picobase.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.net.http.HttpRequest;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Code deployed through the control API is what the instance runs: a hook's route answers through
 * the gateway, a migration creates its collection at the next start, {@code pb_public/index.html} is
 * served at {@code /}; all of it survives an idle stop and a cold start from object storage with the local
 * copy deleted. A hook that does not load leaves the instance {@code failed} with PocketBase's own
 * message, and a restore brings the working code back. Hostile uploads change nothing. Run on both
 * metadata back ends and both object stores (SQLite with a local directory, sqld with S3).
 */
@ParameterizedClass
@CsvSource({"SQLITE, LOCAL", "LIBSQL, S3PROXY"})
@Timeout(240)
class DeployedCodeTest extends PlatformPerBackEnds {
    static final String HOOK = """
            routerAdd("GET", "/hello", (c) => {
                return c.string(200, "hello from a deployed hook")
            })
            """;
    static final String MIGRATION = """
            migrate((db) => {
                const collection = new Collection({
                    name: "deployed_things", type: "base", listRule: "", viewRule: "",
                    schema: [{ name: "title", type: "text" }],
                });
                return Dao(db).saveCollection(collection);
            }, (db) => {
                const dao = new Dao(db);
                return dao.deleteCollection(dao.findCollectionByNameOrId("deployed_things"));
            })
            """;
    static final String INDEX = "<!doctype html><title>hello</title><h1>Deployed page</h1>\n";

    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_DEPLOY_MAX_BYTES", "64k", "PICOBASE_DEPLOY_MAX_FILES", "20");
    }

    @Test
    void deployedHooksMigrationsAndPublicFilesAreServedAndSurviveAColdStart() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String files = "/api/instances/" + tenant.id() + "/files/";
        ApiClient.Reply hooks = putZip(files + "pb_hooks", CodeZips.of(Map.of("main.pb.js", HOOK)));
        assertThat(hooks.status()).as(hooks.text()).isEqualTo(200);
        assertThat(hooks.json().path("files").get(0).path("path").asText()).isEqualTo("main.pb.js");
        ApiClient.Reply migrations = putZip(files + "pb_migrations",
                CodeZips.of(Map.of("1700000000_deployed_things.js", MIGRATION)));
        assertThat(migrations.status()).as(migrations.text()).isEqualTo(200);
        ApiClient.Reply index = user.client().send("PUT", files + "pb_public/index.html",
                HttpRequest.BodyPublishers.ofString(INDEX));
        assertThat(index.status()).as(index.text()).isEqualTo(200);
        assertThat(index.json().path("file").path("size").asLong()).isEqualTo(INDEX.length());
        assertThat(index.json().path("instance").path("status").asText()).isEqualTo("stopped");

        ApiClient.Reply listed = user.client().get(files + "pb_hooks");
        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        JsonNode hook = listed.json().path("files").get(0);
        assertThat(hook.path("path").asText()).isEqualTo("main.pb.js");
        assertThat(hook.path("size").asLong()).isEqualTo(HOOK.length());
        assertThat(hook.path("sha256").asText()).hasSize(64);
        assertThat(hook.path("modified").asText()).isNotEmpty();

        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        assertServesTheDeployedCode(gateway);

        // Stopped when idle, its local copy deleted: the cold start brings everything back from object storage.
        assertThat(user.client().send("PATCH", "/api/instances/" + tenant.id(),
                ApiClient.json("idleTimeoutSeconds", 10)).status()).isEqualTo(200);
        Deadline.await("the idle stop", Duration.ofSeconds(60), () -> user.client()
                .get("/api/instances/" + tenant.id()).json().path("status").asText().equals("stopped"));
        FileTrees.delete(dir.resolve("instances").resolve(tenant.id()));
        assertServesTheDeployedCode(gateway);
    }

    private void assertServesTheDeployedCode(TenantGateway gateway) {
        RawHttp.Response hello = gateway.send("GET", "/hello", null, Duration.ofSeconds(60));
        assertThat(hello.status()).as(hello.text()).isEqualTo(200);
        assertThat(hello.text()).isEqualTo("hello from a deployed hook");
        RawHttp.Response things = gateway.send("GET", "/api/collections/deployed_things/records", null);
        assertThat(things.status()).as(things.text()).isEqualTo(200);
        assertThat(things.json().path("totalItems").asInt()).isZero();
        RawHttp.Response page = gateway.send("GET", "/", null);
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        assertThat(page.body()).isEqualTo(INDEX.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aHookThatDoesNotLoadFailsWithPocketBasesMessageAndARestoreBringsTheWorkingCodeBack() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String files = "/api/instances/" + tenant.id() + "/files/";
        assertThat(putZip(files + "pb_hooks", CodeZips.of(Map.of("main.pb.js", HOOK))).status()).isEqualTo(200);
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        assertThat(gateway.send("GET", "/hello", null, Duration.ofSeconds(60)).text())
                .isEqualTo("hello from a deployed hook");

        // Deployed to the running instance: it is restarted on the broken hook, which does not load.
        ApiClient.Reply broken = user.client().send("PUT", files + "pb_hooks/main.pb.js",
                HttpRequest.BodyPublishers.ofString("routerAdd(\"GET\", \"/hello\", (c) => {\n"));
        assertThat(broken.status()).as(broken.text()).isEqualTo(200);
        JsonNode instance = broken.json().path("instance");
        assertThat(instance.path("status").asText()).isEqualTo("failed");
        assertThat(instance.path("statusReason").asText()).contains("SyntaxError")
                .doesNotContain(dir.toString()).doesNotContain("/instances/");
        List<String> logs = StreamSupport.stream(user.client().get("/api/instances/" + tenant.id() + "/logs")
                .json().path("lines").spliterator(), false).map(JsonNode::asText).toList();
        assertThat(logs).anyMatch(l -> l.contains("SyntaxError"));

        // The snapshot the stop before the deploy saved holds the working hook.
        JsonNode backups = user.client().get("/api/instances/" + tenant.id() + "/backups").json().path("backups");
        assertThat(backups.get(0).path("reason").asText()).isEqualTo("deploy");
        String beforeDeploy = StreamSupport.stream(backups.spliterator(), false)
                .filter(b -> b.path("reason").asText().equals("stop")).findFirst().orElseThrow()
                .path("id").asText();
        ApiClient.Reply restored = user.client().post("/api/instances/" + tenant.id() + "/restore",
                ApiClient.json("snapshotId", beforeDeploy));
        assertThat(restored.status()).as(restored.text()).isEqualTo(200);
        assertThat(gateway.send("GET", "/hello", null, Duration.ofSeconds(60)).text())
                .isEqualTo("hello from a deployed hook");
        assertThat(user.client().get(files + "pb_hooks").json().path("files").get(0).path("size").asLong())
                .isEqualTo(HOOK.length());
    }

    @Test
    void hostileUploadsAreRefusedWithTheJsonErrorAndChangeNothing() {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String files = "/api/instances/" + tenant.id() + "/files/";
        assertThat(putZip(files + "pb_hooks", CodeZips.of(Map.of("main.pb.js", HOOK))).status()).isEqualTo(200);

        assertRefused(putZip(files + "pb_hooks", CodeZips.of(Map.of("../escape.pb.js", "x"))), 400, "invalid_path");
        assertRefused(putZip(files + "pb_hooks", CodeZips.of(Map.of("a/../../escape.pb.js", "x"))), 400,
                "invalid_path");
        assertRefused(putZip(files + "pb_hooks", CodeZips.of(Map.of("/etc/escape.pb.js", "x"))), 400,
                "invalid_path");
        assertRefused(putZip(files + "pb_hooks", CodeZips.symlink("link.pb.js", "/etc/passwd")), 400,
                "invalid_path");
        assertRefused(putZip(files + "pb_hooks", CodeZips.zeros("bomb.pb.js", 1 << 20)), 413, "too_large");
        assertRefused(putZip(files + "pb_hooks", "not a zip".getBytes(StandardCharsets.UTF_8)), 400, "invalid_zip");
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < 21; i++) {
            many.put("f" + i + ".js", "x");
        }
        assertRefused(putZip(files + "pb_hooks", CodeZips.of(many)), 400, "too_many_files");
        assertRefused(user.client().send("PUT", files + "pb_hooks/a/%2e%2e/%2e%2e/escape.pb.js",
                HttpRequest.BodyPublishers.ofString("x")), 400, "invalid_path");
        assertRefused(user.client().send("PUT", files + "pb_public/big.bin",
                HttpRequest.BodyPublishers.ofByteArray(new byte[100 * 1024])), 413, "too_large");
        assertThat(dir.resolve("instances").resolve("escape.pb.js")).doesNotExist();
        assertThat(Files.exists(dir.resolve("instances").resolve(tenant.id()).resolve("escape.pb.js"))).isFalse();

        ApiClient.Reply listed = user.client().get(files + "pb_hooks");
        assertThat(listed.json().path("files")).hasSize(1);
        assertThat(listed.json().path("files").get(0).path("path").asText()).isEqualTo("main.pb.js");

        // Another user's instance is one that does not exist.
        ApiClient other = api.client().signUpAndSignIn().client();
        assertRefused(other.get(files + "pb_hooks"), 404, "not_found");
        assertRefused(other.send("PUT", files + "pb_public/index.html", HttpRequest.BodyPublishers.ofString("x")),
                404, "not_found");
        assertRefused(other.withHeader("Content-Type", "application/zip").send("PUT", files + "pb_hooks",
                HttpRequest.BodyPublishers.ofByteArray(CodeZips.of(Map.of("main.pb.js", "x")))), 404, "not_found");
        assertRefused(other.delete(files + "pb_hooks/main.pb.js"), 404, "not_found");
        assertThat(user.client().get(files + "pb_hooks").json().path("files").get(0).path("size").asLong())
                .isEqualTo(HOOK.length());
    }

    /**
     * A client that sends its whole upload without waiting for {@code 100-continue} (Java's HttpClient,
     * curl with {@code Expect:} off) must still read the 413: the connection is not closed under it while
     * its body is still arriving, which resets the connection and loses the answer.
     */
    @Test
    void anOversizeUploadStillBeingSentGetsItsAnswer() throws Exception {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        int size = 8 << 20; // far more than the socket buffers hold
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /api/instances/" + tenant.id() + "/files/pb_public/big.bin HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + user.token() + "\r\nContent-Length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] part = new byte[64 * 1024];
            for (int sent = 0; sent < size; sent += part.length) {
                out.write(part);
            }
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("\"too_large\"");
        }
    }

    private ApiClient.Reply putZip(String path, byte[] zip) {
        return user.client().withHeader("Content-Type", "application/zip").send("PUT", path,
                HttpRequest.BodyPublishers.ofByteArray(zip));
    }

    private static void assertRefused(ApiClient.Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(status);
        assertThat(reply.json().path("error").path("code").asText()).as(reply.text()).isEqualTo(code);
    }
}
