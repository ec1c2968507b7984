package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StorageKind;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
class DiskBudgetEvictsSavedLocalCopiesTest extends PlatformPerStorageKind {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";

    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_DISK_BUDGET", "0");
    }

    @Test
    void aSavedCopyIsEvictedAndRestoredIntactWhileARunningOneIsKept() {
        ApiClient.Tenant evicted = user.createInstanceWithKey();
        ApiClient.Tenant running = user.createInstanceWithKey();
        assertThat(gateway(evicted).send("POST", "/api/admins", ApiClient.json("email", ADMIN, "password", PASSWORD,
                "passwordConfirm", PASSWORD)).status()).isEqualTo(200);
        assertThat(gateway(running).send("GET", "/api/health", null).status()).isEqualTo(200);

        assertThat(user.client().post("/api/instances/" + evicted.id() + "/stop", "{}").status()).isEqualTo(200);
        Deadline.await("the stopped instance's local copy to be evicted", Duration.ofSeconds(20),
                () -> !Files.exists(pbData(evicted.id())));
        assertThat(pbData(running.id())).isDirectory(); // running: never evicted
        assertThat(gateway(running).send("GET", "/api/health", null).status()).isEqualTo(200);

        RawHttp.Response signIn = gateway(evicted).send("POST", "/api/admins/auth-with-password",
                ApiClient.json("identity", ADMIN, "password", PASSWORD));
        assertThat(signIn.status()).isEqualTo(200); // the admin written before the stop came back
        assertThat(signIn.header("Server-Timing")).isNotNull().satisfies(t -> assertThat(t).contains("restore;dur="));
        assertThat(pbData(evicted.id())).isDirectory();
    }
}
