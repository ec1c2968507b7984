package dev.picobase.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetadataBackupKeysTest {

    @Test
    void aKeyNamesTheUtcSecondAndParsesBack() {
        Instant at = Instant.parse("2026-12-05T09:04:07.889Z");
        String key = MetadataBackupKeys.key(at);

        assertThat(key).isEqualTo("metadata/picobase-20261205T090407Z.db.gz");
        assertThat(MetadataBackupKeys.takenAt(key)).contains(Instant.parse("2026-12-05T09:04:07Z"));
    }

    @Test
    void otherObjectsAreNotBackups() {
        for (String other : List.of("metadata/notes.txt", "metadata/picobase-20261205T090407Z.db",
                "instances/ins_1/snapshots/picobase-20261205T090407Z.db.gz", "metadata/picobase-20261399T090407Z.db.gz",
                "metadata/picobase-20261205T090407Z.db.gz.tmp")) {
            assertThat(MetadataBackupKeys.takenAt(other)).as(other).isEmpty();
        }
    }

    @Test
    void retentionDeletesTheOldestBeyondTheCountAndNothingElse() {
        List<String> keys = List.of("metadata/picobase-20261205T100000Z.db.gz", "metadata/readme.txt",
                "metadata/picobase-20261204T230000Z.db.gz", "metadata/picobase-20261205T090000Z.db.gz");

        assertThat(MetadataBackupKeys.backups(keys)).containsExactly("metadata/picobase-20261204T230000Z.db.gz",
                "metadata/picobase-20261205T090000Z.db.gz", "metadata/picobase-20261205T100000Z.db.gz");
        assertThat(MetadataBackupKeys.beyondRetention(keys, 2)).containsExactly("metadata/picobase-20261204T230000Z.db.gz");
        assertThat(MetadataBackupKeys.beyondRetention(keys, 3)).isEmpty();
        assertThat(MetadataBackupKeys.beyondRetention(keys, 48)).isEmpty();
    }
}
