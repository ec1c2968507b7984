package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The local disk is a cache within {@code PICOBASE_DISK_BUDGET} (SPEC.md). With a budget of 0 a
 * stopped instance's copy is deleted as soon as it is saved, the next request restores it from
 * object storage with every write intact, and a running instance's copy is never touched. The
 * least-recently-used order is {@code LocalCopiesTest}'s.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(120)
class DiskBudgetEvictsSavedLocalCopiesTest {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";

    @Parameter
    StorageKind storage;

    @TempDir
    Path dir;

    private RunningApi api;
    private ApiClient.SignedIn user;

    @BeforeEach
    void start() {
        Map<String, String> env = new HashMap<>(storage.environment(dir));
        env.put("PICOBASE_DISK_BUDGET", "0");
        api = RunningApi.start(StoreKind.SQLITE, dir, env, Clock.systemUTC());
        user = api.client().signUpAndSignIn();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private RawHttp.Response gateway(ApiClient.Tenant tenant, String method, String path, String json) {
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            String body = json == null ? "" : json;
            http.send(method + " " + path + " HTTP/1.1\r\nHost: " + tenant.subdomain() + ".localhost:"
                    + api.gatewayPort() + "\r\napikey: " + tenant.key() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n"
                    + body);
            return http.readResponse();
        }
    }

    private Path pbData(String id) {
        return dir.resolve("instances").resolve(id).resolve("pb_data");
    }

    @Test
    void aSavedCopyIsEvictedAndRestoredIntactWhileARunningOneIsKept() {
        ApiClient.Tenant evicted = user.createInstanceWithKey();
        ApiClient.Tenant running = user.createInstanceWithKey();
        assertThat(gateway(evicted, "POST", "/api/admins", ApiClient.json("email", ADMIN, "password", PASSWORD,
                "passwordConfirm", PASSWORD)).status()).isEqualTo(200);
        assertThat(gateway(running, "GET", "/api/health", null).status()).isEqualTo(200);

        assertThat(user.client().post("/api/instances/" + evicted.id() + "/stop", "{}").status()).isEqualTo(200);
        Deadline.await("the stopped instance's local copy to be evicted", Duration.ofSeconds(20),
                () -> !Files.exists(pbData(evicted.id())));
        assertThat(pbData(running.id())).isDirectory(); // running: never evicted
        assertThat(gateway(running, "GET", "/api/health", null).status()).isEqualTo(200);

        RawHttp.Response signIn = gateway(evicted, "POST", "/api/admins/auth-with-password",
                ApiClient.json("identity", ADMIN, "password", PASSWORD));
        assertThat(signIn.status()).isEqualTo(200); // the admin written before the stop came back
        assertThat(signIn.header("Server-Timing")).isNotNull().satisfies(t -> assertThat(t).contains("restore;dur="));
        assertThat(pbData(evicted.id())).isDirectory();
    }
}
