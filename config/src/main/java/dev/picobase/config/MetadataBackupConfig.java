package dev.picobase.config;

import java.time.Duration;

/**
 * Backups of the embedded SQLite metadata database to object storage: one every {@code interval}
 * ({@link Duration#ZERO} when turned off), the {@code retention} newest kept. A libSQL server (Turso,
 * sqld) is backed up by its own means, so these apply to the embedded file only.
 */
public record MetadataBackupConfig(Duration interval, int retention) {

    public boolean enabled() {
        return !interval.isZero();
    }
}
