package dev.picobase.api.testsupport;

import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;

/**
 * The base of integration test classes that run once per metadata back end: a subclass annotated
 * {@code @ParameterizedClass @EnumSource(StoreKind.class) @TestInstance(PER_CLASS)} gets {@link #kind}
 * and a running platform in {@link #api} for each back end, started before its tests and closed after.
 */
public abstract class PlatformPerStoreKind {
    @Parameter
    protected StoreKind kind;

    protected RunningApi api;

    @BeforeParameterizedClassInvocation
    void startApi(StoreKind kind, @TempDir Path dataDir) {
        api = RunningApi.start(kind, dataDir, settings(), clock());
    }

    /** Settings of the platform under test beyond the test defaults; none unless a subclass says. */
    protected java.util.Map<String, String> settings() {
        return java.util.Map.of();
    }

    /** The platform's clock; the system's unless a subclass moves time by hand. */
    protected java.time.Clock clock() {
        return java.time.Clock.systemUTC();
    }

    @AfterParameterizedClassInvocation
    void stopApi() {
        api.close();
    }
}
