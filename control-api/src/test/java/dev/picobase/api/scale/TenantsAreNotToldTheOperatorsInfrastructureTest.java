package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a tenant learns when its instance cannot be started. What went wrong: a wake that failed to
 * restore the data answered "the instance could not be started: " plus the internal cause, which named
 * the operator's object-storage endpoint, its bucket and the platform's local paths — to anyone with
 * the instance's key — and the same text became the instance's {@code statusReason}. Now the gateway
 * and the control API answer a stable code ({@code storage_unavailable}) and a short message with
 * {@code Retry-After}, the status says the same, and the whole cause is in the operator's log only.
 * Storage is S3Proxy behind WireMock answering 500s, then not listening at all.
 */
@Timeout(120)
class TenantsAreNotToldTheOperatorsInfrastructureTest {
    @TempDir
    Path dir;

    private FlakyObjectStorage storage;
    private RunningApi api;

    @BeforeEach
    void start() {
        storage = new FlakyObjectStorage();
        Map<String, String> env = new HashMap<>(storage.environment(dir));
        env.put("PICOBASE_IDLE_TIMEOUT", "1h");
        api = RunningApi.start(StoreKind.SQLITE, dir, env, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        try {
            if (api != null) {
                api.close();
            }
        } finally {
            storage.close();
        }
    }

    @Test
    void aWakeThatCannotRestoreTheDataAnswersACodeNotTheCause() throws Exception {
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key())
                .asNewAdmin("admin@example.com", "1234567890");
        gateway.createNotes(); // data worth restoring
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);
        FileTrees.delete(dir.resolve("instances").resolve(tenant.id()).resolve("pb_data")); // only storage has it

        storage.down();
        expectCodeOnly(gateway.send("GET", "/api/health", null), user, tenant);

        storage.unreachable();
        expectCodeOnly(gateway.send("GET", "/api/health", null), user, tenant);
        ApiClient.Reply start = user.client().post("/api/instances/" + tenant.id() + "/start");
        assertThat(start.status()).as(start.text()).isEqualTo(503);
        assertThat(start.errorCode()).isEqualTo("storage_unavailable");
        assertThat(start.headers().firstValue("Retry-After")).isPresent();
        assertThat(leaks(start.text())).as(start.text()).isEmpty();
    }

    private void expectCodeOnly(RawHttp.Response r, ApiClient.SignedIn user, ApiClient.Tenant tenant) {
        assertThat(r.status()).as(r.text()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("storage_unavailable");
        assertThat(r.header("Retry-After")).isNotNull();
        assertThat(leaks(r.text())).as(r.text()).isEmpty();

        JsonNode instance = user.client().get("/api/instances/" + tenant.id()).json();
        assertThat(instance.path("status").asText()).isEqualTo("failed");
        String reason = instance.path("statusReason").asText();
        assertThat(reason).isEqualTo("the instance's data could not be fetched from storage; try again shortly");
        assertThat(leaks(reason)).isEmpty();
    }

    /** The operator's facts found in {@code text}: the storage endpoint and bucket, local paths, Java's words. */
    private List<String> leaks(String text) {
        List<String> facts = new ArrayList<>(storage.operatorFacts());
        facts.add(dir.toString());
        facts.add("/instances/");
        facts.add("Exception");
        facts.add("InternalError");
        return facts.stream().filter(text::contains).toList();
    }
}
