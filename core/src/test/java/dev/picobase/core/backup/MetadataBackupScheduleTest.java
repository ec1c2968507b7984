package dev.picobase.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.MetadataBackupConfig;
import dev.picobase.config.MetadataConfig;
import dev.picobase.core.storage.LocalDirectoryStore;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqlBackend;
import dev.picobase.testsupport.Deadline;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When backups are taken: soon after start and then every interval, once more when the platform
 * stops, never with a libSQL server or with the interval off (and {@code skipped} says why).
 */
class MetadataBackupScheduleTest {
    @TempDir
    Path dir;

    private MetadataConfig sqlite() {
        return new MetadataConfig(dir.resolve("picobase.db"), Optional.empty(), Optional.empty());
    }

    @Test
    void theFirstBackupComesSoonAndTheLastAtStop() {
        ObjectStore objects = new LocalDirectoryStore(dir.resolve("objects"));
        try (MetadataStore store = MetadataStore.open(SqlBackend.of(sqlite()), Clock.systemUTC())) {
            MetadataBackupSchedule schedule = MetadataBackupSchedule.start(sqlite(),
                    new MetadataBackupConfig(Duration.ofHours(1), 48), objects, Clock.systemUTC());
            assertThat(schedule.skipped()).isEmpty();
            Deadline.await("the first backup, within seconds of start", MetadataBackupSchedule.FIRST_AFTER
                    .plusSeconds(10), () -> MetadataBackups.list(objects).size() == 1);

            store.createUser("Ann", "ann@example.com", "hash").orElseThrow();
            schedule.close();

            assertThat(MetadataBackups.list(objects)).as("the last backup, taken at stop").hasSize(2);
            assertThat(schedule.backups().orElseThrow().status().lastError()).isNull();
        }
    }

    @Test
    void aLibsqlServerOrAnIntervalOfZeroTakesNoBackups() {
        ObjectStore objects = new LocalDirectoryStore(dir.resolve("objects"));
        MetadataBackupSchedule turso = MetadataBackupSchedule.start(
                new MetadataConfig(dir.resolve("picobase.db"), Optional.of("libsql://db.example.turso.io"),
                        Optional.empty()), new MetadataBackupConfig(Duration.ofSeconds(1), 48), objects,
                Clock.systemUTC());
        MetadataBackupSchedule off = MetadataBackupSchedule.start(sqlite(),
                new MetadataBackupConfig(Duration.ZERO, 48), objects, Clock.systemUTC());

        assertThat(turso.backups()).isEmpty();
        assertThat(turso.skipped().orElseThrow()).contains("libSQL server").contains("Backing up the metadata");
        assertThat(off.backups()).isEmpty();
        assertThat(off.skipped()).contains("PICOBASE_METADATA_BACKUP_INTERVAL is off");
        turso.close();
        off.close();
        assertThat(objects.list("")).isEmpty();
        assertThat(dir.resolve("picobase.db")).as("not even opened").doesNotExist();
    }
}
