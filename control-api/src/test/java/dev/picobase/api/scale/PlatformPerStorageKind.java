package dev.picobase.api.scale;

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
 * The base of scale-to-zero test classes that run once per object store: a subclass annotated
 * {@code @ParameterizedClass @EnumSource(StorageKind.class)} gets, for each test, a fresh platform on
 * {@link #storage} with the {@link #settings()} it adds, and a signed-in {@link #user}.
 */
abstract class PlatformPerStorageKind {
    @Parameter
    StorageKind storage;

    @TempDir
    Path dir;

    RunningApi api;
    ApiClient.SignedIn user;
    /** What {@link #api} was started with: the object store's variables (one bucket) and {@link #settings()}. */
    private Map<String, String> environment;

    /** Configuration on top of the object store's (idle timeout, disk budget, ...). */
    abstract Map<String, String> settings();

    @BeforeEach
    void startPlatform() {
        Map<String, String> env = new HashMap<>(storage.environment(dir));
        env.putAll(settings());
        environment = Map.copyOf(env);
        api = RunningApi.start(StoreKind.SQLITE, dir, env, Clock.systemUTC());
        user = api.client().signUpAndSignIn();
    }

    /**
     * Stops the platform (saving what runs, as a shutdown does) and starts a new one on the same data
     * directory, metadata and object store (the same bucket), with {@code overrides} on top of the
     * settings; {@link #api} is then the new one. The user's session stays valid (sessions are stored),
     * but the ports change: use {@code user.client()} only through {@link #owner()}.
     */
    void restartPlatform(Map<String, String> overrides) {
        api.close();
        Map<String, String> env = new HashMap<>(environment);
        env.putAll(overrides);
        api = RunningApi.start(StoreKind.SQLITE, dir, env, Clock.systemUTC());
    }

    /** The signed-in user's client of the platform running now (after {@link #restartPlatform}, too). */
    ApiClient owner() {
        return api.client().withToken(user.token());
    }

    @AfterEach
    void stopPlatform() {
        api.close();
    }

    /** The tenant's client of its instance, through the gateway. */
    TenantGateway gateway(ApiClient.Tenant tenant) {
        return new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
    }

    /** Where the instance's local copy lives (the platform's data directory is {@link #dir}). */
    Path pbData(String instanceId) {
        return dir.resolve("instances").resolve(instanceId).resolve("pb_data");
    }
}
