package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other side of {@link GroupStopSignalSavesEveryRunningInstanceTest}: only an exit during
 * shutdown is a stop to save. While the platform runs, a PocketBase killed from outside (an
 * operator's {@code kill -9}, the OOM killer, or a stray SIGTERM, judged after a short settle) still
 * makes its instance {@code failed} with the reason, and the next request starts it again.
 */
@Timeout(60)
class PocketBaseDyingOutsideShutdownIsStillAFailureTest {
    @TempDir
    Path dir;

    private RunningApi api;
    private ApiClient.SignedIn user;

    @BeforeEach
    void start() {
        api = RunningApi.start(StoreKind.SQLITE, dir, Map.of(), Clock.systemUTC());
        user = api.client().signUpAndSignIn();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void aKill9MakesTheInstanceFailed() {
        killAndExpectFailed(true, "SIGKILL");
    }

    @Test
    void aSigtermFromOutsideMakesTheInstanceFailedToo() {
        killAndExpectFailed(false, "exit code 0");
    }

    private void killAndExpectFailed(boolean forcibly, String described) {
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200);
        ProcessHandle pocketBase = ProcessHandle.of(api.platform().lifecycle().running(tenant.id()).orElseThrow().pid())
                .orElseThrow();

        if (forcibly) {
            pocketBase.destroyForcibly();
        } else {
            pocketBase.destroy();
        }

        Deadline.await("the instance to be failed", Duration.ofSeconds(10),
                () -> instance(tenant.id()).path("status").asText().equals("failed"));
        assertThat(instance(tenant.id()).path("statusReason").asText()).contains("exited unexpectedly")
                .contains(described);
        assertThat(gateway.send("GET", "/api/health", null).status()).as("the next request starts it again")
                .isEqualTo(200);
        // Recorded just after the wake serves its first request, not before (one metadata write fewer on the
        // way to the answer).
        Deadline.await("the instance to be running again", Duration.ofSeconds(10),
                () -> instance(tenant.id()).path("status").asText().equals("running"));
    }

    private JsonNode instance(String id) {
        ApiClient.Reply reply = user.client().get("/api/instances/" + id);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json();
    }
}
