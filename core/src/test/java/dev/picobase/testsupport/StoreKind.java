package dev.picobase.testsupport;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The two metadata back ends every store and API test runs on: the embedded SQLite file and a
 * real {@code sqld}. Used with {@code @ParameterizedTest @EnumSource(StoreKind.class)} or as a
 * class-level parameter, so the same test class covers both.
 */
public enum StoreKind {
    SQLITE {
        @Override
        public Map<String, String> environment(Path dataDir) {
            return Map.of("PICOBASE_DATA_DIR", dataDir.toString());
        }
    },
    LIBSQL {
        @Override
        public Map<String, String> environment(Path dataDir) {
            Map<String, String> env = new HashMap<>();
            env.put("PICOBASE_DATA_DIR", dataDir.toString());
            env.put("TURSO_DATABASE_URL", SqldServer.shared().url());
            return env;
        }
    };

    /** The configuration variables that select this back end, with data under {@code dataDir}. */
    public abstract Map<String, String> environment(Path dataDir);
}
