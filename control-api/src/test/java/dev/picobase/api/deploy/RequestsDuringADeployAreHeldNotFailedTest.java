package dev.picobase.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deploy to a running instance restarts it; requests that arrive while it is stopped, changed and
 * started again are held by the gateway and answered by the new process. What would go wrong: a
 * restart done behind the lifecycle's back (PocketBase's own hooks watcher, or a stop and start
 * outside the instance's lock) lets requests reach a closed port and fail with 502/503.
 */
@Timeout(120)
class RequestsDuringADeployAreHeldNotFailedTest {
    @TempDir
    Path dir;

    @Test
    void everyRequestDuringTheRestartIsAnsweredByTheOldOrTheNewCode() throws Exception {
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_IDLE_TIMEOUT", "1h"),
                Clock.systemUTC())) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            ApiClient.Tenant tenant = user.createInstanceWithKey();
            String hook = "/api/instances/" + tenant.id() + "/files/pb_hooks/main.pb.js";
            assertThat(user.client().send("PUT", hook, HttpRequest.BodyPublishers.ofString(version("v1")))
                    .status()).isEqualTo(200);
            TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
            assertThat(gateway.send("GET", "/version", null, Duration.ofSeconds(60)).text()).isEqualTo("v1");

            List<String> answers = new CopyOnWriteArrayList<>();
            AtomicBoolean deploying = new AtomicBoolean(true);
            Thread client = new Thread(() -> {
                while (deploying.get()) {
                    RawHttp.Response r = gateway.send("GET", "/version", null, Duration.ofSeconds(60));
                    answers.add(r.status() + " " + r.text());
                }
            });
            client.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (answers.isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // the old code answers at least once before the deploy begins
            }
            ApiClient.Reply deployed = user.client().send("PUT", hook,
                    HttpRequest.BodyPublishers.ofString(version("v2")));
            // A few more after the deploy answered: the new process serves them.
            long after = answers.size();
            while (answers.size() < after + 5) {
                Thread.onSpinWait();
            }
            deploying.set(false);
            client.join();

            assertThat(deployed.status()).as(deployed.text()).isEqualTo(200);
            assertThat(deployed.json().path("instance").path("status").asText()).isEqualTo("running");
            assertThat(answers).allSatisfy(a -> assertThat(a).isIn("200 v1", "200 v2"));
            assertThat(answers).contains("200 v1", "200 v2");
            assertThat(answers.get(answers.size() - 1)).isEqualTo("200 v2");
        }
    }

    private static String version(String v) {
        return "routerAdd(\"GET\", \"/version\", (c) => c.string(200, \"" + v + "\"))\n";
    }
}
