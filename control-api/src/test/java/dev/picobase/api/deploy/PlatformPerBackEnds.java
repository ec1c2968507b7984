package dev.picobase.api.deploy;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * The base of the deploy tests, which run once per pair of back ends: a subclass annotated
 * {@code @ParameterizedClass @CsvSource({"SQLITE, LOCAL", "LIBSQL, S3PROXY"})} gets, for each test, a
 * platform on that metadata store and object store (idle timeout 1h, so nothing stops unasked) and a
 * signed-in user.
 */
abstract class PlatformPerBackEnds {
    @Parameter(0)
    StoreKind store;
    @Parameter(1)
    StorageKind storage;
    @TempDir
    Path dir;

    RunningApi api;
    ApiClient.SignedIn user;

    @BeforeEach
    void start() {
        Map<String, String> env = new HashMap<>(storage.environment(dir));
        env.put("PICOBASE_IDLE_TIMEOUT", "1h");
        env.putAll(settings());
        api = RunningApi.start(store, dir, env, Clock.systemUTC());
        user = api.client().signUpAndSignIn();
    }

    /** Settings of the platform under test beyond these; none unless a subclass says. */
    Map<String, String> settings() {
        return Map.of();
    }

    @AfterEach
    void stop() {
        api.close();
    }
}
