package dev.picobase.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Unique;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code POST /api/instances} with {@code from} makes a new instance out of a snapshot of one of the
 * caller's instances: its records and its deployed hooks come along, its keys and secrets do not,
 * and an older snapshot can be named. Another user's instance cannot be cloned (404).
 */
@ParameterizedClass
@CsvSource({"SQLITE, LOCAL", "LIBSQL, S3PROXY"})
@Timeout(180)
class CloneTest extends PlatformPerBackEnds {

    @Test
    void aCloneHasTheDataAndTheCodeButNotTheKeysOrSecrets() {
        ApiClient.Tenant source = user.createInstanceWithKey();
        String base = "/api/instances/" + source.id();
        assertThat(user.client().send("PUT", base + "/files/pb_hooks/main.pb.js",
                HttpRequest.BodyPublishers.ofString(DeployedCodeTest.HOOK)).status()).isEqualTo(200);
        assertThat(user.client().send("PUT", base + "/env", HttpRequest.BodyPublishers.ofString(
                ApiClient.json("vars", Map.of("GREETING", "not for clones")))).status()).isEqualTo(200);
        TenantGateway admin = new TenantGateway(api.gatewayPort(), source.subdomain(), source.key())
                .asNewAdmin("admin@example.com", "1234567890");
        admin.createNotes();
        String first = admin.writeNote("in the first snapshot");
        assertThat(user.client().post(base + "/stop").status()).isEqualTo(200);
        String firstSnapshot = api.store().latestSnapshot(source.id()).orElseThrow().id();
        admin.writeNote("only in the second");
        assertThat(user.client().post(base + "/stop").status()).isEqualTo(200);

        String subdomain = Unique.subdomain();
        ApiClient.Reply created = user.client().post("/api/instances", ApiClient.json("name", "Clone",
                "subdomain", subdomain, "from", Map.of("instanceId", source.id(), "snapshotId", firstSnapshot)));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String cloneId = created.json().path("id").asText();
        assertThat(user.client().get("/api/instances/" + cloneId + "/keys").json().path("keys")).isEmpty();
        assertThat(user.client().get("/api/instances/" + cloneId + "/env").json().path("vars")).isEmpty();
        JsonNode backups = user.client().get("/api/instances/" + cloneId + "/backups").json().path("backups");
        assertThat(backups).hasSize(1);
        assertThat(backups.get(0).path("reason").asText()).isEqualTo("clone");

        String key = user.createKey(cloneId).path("key").asText();
        TenantGateway clone = new TenantGateway(api.gatewayPort(), subdomain, key, admin.pocketBaseToken());
        assertThat(clone.send("GET", "/hello", null, Duration.ofSeconds(60)).text())
                .isEqualTo("hello from a deployed hook");
        assertThat(clone.notes()).containsExactly(first);
        // The source is untouched.
        assertThat(admin.notes()).hasSize(2);

        ApiClient.Reply current = user.client().post("/api/instances", ApiClient.json("name", "Clone 2",
                "subdomain", Unique.subdomain(), "from", Map.of("instanceId", source.id())));
        assertThat(current.status()).as(current.text()).isEqualTo(201);

        ApiClient other = api.client().signUpAndSignIn().client();
        ApiClient.Reply stolen = other.post("/api/instances", ApiClient.json("name", "Stolen",
                "subdomain", Unique.subdomain(), "from", Map.of("instanceId", source.id())));
        assertThat(stolen.status()).as(stolen.text()).isEqualTo(404);
        ApiClient.Reply never = user.client().post("/api/instances", ApiClient.json("name", "Empty",
                "subdomain", Unique.subdomain(), "from", Map.of("instanceId", user.createInstance().path("id").asText())));
        assertThat(never.status()).as(never.text()).isEqualTo(409);
        assertThat(never.errorCode()).isEqualTo("nothing_to_clone");
    }
}
