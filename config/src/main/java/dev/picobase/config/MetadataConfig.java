package dev.picobase.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where accounts, instances and keys live: the embedded SQLite file under the data directory, or
 * a libSQL server (Turso, or a self-hosted {@code sqld}) when {@code TURSO_DATABASE_URL} is set.
 */
public record MetadataConfig(Path sqliteFile, Optional<String> libsqlUrl, Optional<String> libsqlAuthToken) {

    public boolean isLibsql() {
        return libsqlUrl.isPresent();
    }

    /** Never prints the auth token. */
    @Override
    public String toString() {
        return libsqlUrl.map(url -> "libsql " + url + (libsqlAuthToken.isPresent() ? " (token set)" : ""))
                .orElse("sqlite " + sqliteFile);
    }
}
