package dev.picobase.testsupport;

import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.storage.ObjectStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The two object stores every storage test runs on: a local directory and a real S3-compatible
 * server (S3Proxy, through the same S3/R2 client production uses). Used as a class-level parameter
 * ({@code @ParameterizedClass @EnumSource(StorageKind.class)}) or with {@code @ParameterizedTest}.
 * Each call for {@link #S3PROXY} gets a fresh bucket, as each test gets a fresh data directory.
 */
public enum StorageKind {
    LOCAL {
        @Override
        public Map<String, String> environment(Path dataDir) {
            return Map.of("PICOBASE_DATA_DIR", dataDir.toString());
        }
    },
    S3PROXY {
        @Override
        public Map<String, String> environment(Path dataDir) {
            S3ProxyServer server = S3ProxyServer.shared();
            Map<String, String> env = new HashMap<>(server.environment(server.newBucket()));
            env.put("PICOBASE_DATA_DIR", dataDir.toString());
            return env;
        }
    };

    /** The configuration variables that select this store, with data under {@code dataDir}. */
    public abstract Map<String, String> environment(Path dataDir);

    /** An empty store of this kind, configured as PicoBase configures it, with data under {@code dataDir}. */
    public ObjectStore open(Path dataDir) {
        return ObjectStore.of(PicoBaseConfig.fromMap(environment(dataDir)).objectStorage());
    }
}
