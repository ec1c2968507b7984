package dev.picobase.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The {@code metadata:} line of {@code ./picobase status}: the last backup, a failure since, or why there are none. */
class MetadataStatusLineTest {
    private final Cli cli = new Cli(new PrintStream(PrintStream.nullOutputStream()),
            new PrintStream(PrintStream.nullOutputStream()),
            Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC));

    private String line(String json) throws Exception {
        return cli.metadataBackup(new ObjectMapper().readTree(json));
    }

    @Test
    void theLastBackupAFailureSinceOrWhyNone() throws Exception {
        assertThat(line("{\"lastSuccessAt\":\"2026-12-05T09:57:00Z\",\"lastKey\":\"metadata/picobase-20261205T095700Z.db.gz\","
                + "\"lastError\":null,\"lastAttemptAt\":\"2026-12-05T09:57:00Z\",\"skipped\":null}"))
                .isEqualTo("backed up 3 min ago to metadata/picobase-20261205T095700Z.db.gz");
        assertThat(line("{\"lastSuccessAt\":\"2026-12-05T08:00:00Z\",\"lastKey\":\"metadata/picobase-20261205T080000Z.db.gz\","
                + "\"lastError\":\"storage is down\",\"lastAttemptAt\":\"2026-12-05T09:59:30Z\",\"skipped\":null}"))
                .isEqualTo("last backup failed 30 s ago: storage is down (backed up 2 h ago to "
                        + "metadata/picobase-20261205T080000Z.db.gz)");
        assertThat(line("{\"lastSuccessAt\":null,\"lastKey\":null,\"lastError\":\"storage is down\","
                + "\"lastAttemptAt\":\"2026-12-05T09:59:59Z\",\"skipped\":null}"))
                .isEqualTo("last backup failed 1 s ago: storage is down (not backed up yet)");
        assertThat(line("{\"lastSuccessAt\":null,\"lastKey\":null,\"lastError\":null,\"lastAttemptAt\":null,"
                + "\"skipped\":null}")).isEqualTo("not backed up yet");
        assertThat(line("{\"skipped\":\"PICOBASE_METADATA_BACKUP_INTERVAL is off\"}"))
                .isEqualTo("not backed up by PicoBase: PICOBASE_METADATA_BACKUP_INTERVAL is off");
    }
}
