package dev.picobase.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.config.MetadataConfig;
import dev.picobase.core.backup.MetadataRestore.Restored;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqlBackend;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Metadata backups on both object stores (a local directory, and S3Proxy through the production S3
 * client): a backup of the live database restores to a database with the same accounts, an
 * unchanged database is not uploaded twice, retention keeps the newest N and only after an upload,
 * and a restore refuses what is not PicoBase's metadata without touching the current file.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
class MetadataBackupsTest {
    @Parameter
    StorageKind kind;

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-12-05T09:00:00Z"));
    private ObjectStore objects;
    private Path database;
    private MetadataStore store;

    @BeforeEach
    void open() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        objects = kind.open(data);
        database = data.resolve("picobase.db");
        store = MetadataStore.open(SqlBackend.of(new MetadataConfig(database, Optional.empty(), Optional.empty())),
                clock);
    }

    @AfterEach
    void close() {
        store.close();
        try {
            objects.list("").forEach(objects::delete); // the shared S3Proxy outlives this test
        } finally {
            objects.close();
        }
    }

    @Test
    void aBackupOfTheLiveDatabaseRestoresItsAccounts() throws Exception {
        store.createUser("Ann", "ann@example.com", "hash-a").orElseThrow();
        MetadataBackups backups = new MetadataBackups(database, objects, 48, clock);

        String key = backups.backUp().orElseThrow();

        assertThat(key).isEqualTo("metadata/picobase-20261205T090000Z.db.gz");
        assertThat(MetadataBackups.list(objects)).containsExactly(key);
        assertThat(backups.status().lastKey()).isEqualTo(key);
        assertThat(backups.status().lastSuccessAt()).isEqualTo(clock.instant());
        assertThat(backups.status().lastError()).isNull();

        // Written after the backup: gone once the backup is restored, the earlier account back.
        store.createUser("Bob", "bob@example.com", "hash-b").orElseThrow();
        store.close();
        Restored restored = MetadataRestore.restore(objects, key, database, clock.instant());

        assertThat(restored.setAside()).contains(database.resolveSibling("picobase.db.before-restore-20261205T090000Z"));
        assertThat(database.getParent().resolve("picobase.db-wal")).doesNotExist();
        store = MetadataStore.open(SqlBackend.of(new MetadataConfig(database, Optional.empty(), Optional.empty())),
                clock);
        assertThat(store.findCredentials("ann@example.com")).isPresent();
        assertThat(store.findCredentials("bob@example.com")).isEmpty();
        // The set-aside file is the database as it was, Bob included (its WAL set aside with it).
        try (MetadataStore aside = MetadataStore.open(SqlBackend.of(new MetadataConfig(restored.setAside().get(),
                Optional.empty(), Optional.empty())), clock)) {
            assertThat(aside.findCredentials("bob@example.com")).isPresent();
        }
    }

    /** A new machine: the data directory is empty, and the restore makes the database there. */
    @Test
    void aRestoreIntoAnEmptyDataDirectoryMakesTheDatabase() throws Exception {
        store.createUser("Ann", "ann@example.com", "hash-a").orElseThrow();
        String key = new MetadataBackups(database, objects, 48, clock).backUp().orElseThrow();
        Path elsewhere = dir.resolve("new-machine").resolve("picobase.db");

        Restored restored = MetadataRestore.restore(objects, key, elsewhere, clock.instant());

        assertThat(restored.setAside()).isEmpty();
        assertThat(restored.database()).isEqualTo(elsewhere.toAbsolutePath());
        try (MetadataStore copy = MetadataStore.open(SqlBackend.of(new MetadataConfig(elsewhere, Optional.empty(),
                Optional.empty())), clock)) {
            assertThat(copy.findCredentials("ann@example.com")).isPresent();
        }
    }

    /** A backup interrupted by a crash leaves its copy beside the database; the next start removes it. */
    @Test
    void aCopyLeftByAnInterruptedBackupIsDeleted() throws IOException {
        Path leftover = Files.createDirectories(database.resolveSibling(MetadataBackups.WORK_PREFIX + "123"));
        Files.writeString(leftover.resolve("picobase.db"), "half a copy");

        new MetadataBackups(database, objects, 48, clock);

        assertThat(leftover).doesNotExist();
    }

    @Test
    void anUnchangedDatabaseIsNotUploadedAgain() {
        store.createUser("Ann", "ann@example.com", "hash-a").orElseThrow();
        MetadataBackups backups = new MetadataBackups(database, objects, 48, clock);
        String first = backups.backUp().orElseThrow();

        clock.advance(Duration.ofHours(1));
        assertThat(backups.backUp()).isEmpty();
        assertThat(MetadataBackups.list(objects)).containsExactly(first);
        assertThat(backups.status().lastAttemptAt()).isEqualTo(clock.instant());
        assertThat(backups.status().lastKey()).isEqualTo(first);

        store.createUser("Bob", "bob@example.com", "hash-b").orElseThrow();
        clock.advance(Duration.ofHours(1));
        assertThat(backups.backUp()).contains("metadata/picobase-20261205T110000Z.db.gz");
    }

    @Test
    void retentionKeepsTheNewestAndLeavesOtherObjectsAlone() throws IOException {
        objects.put("metadata/notes.txt", Files.writeString(dir.resolve("notes.txt"), "mine"));
        MetadataBackups backups = new MetadataBackups(database, objects, 2, clock);
        for (int i = 0; i < 4; i++) {
            store.createUser("User " + i, "user" + i + "@example.com", "hash").orElseThrow();
            backups.backUp().orElseThrow();
            clock.advance(Duration.ofMinutes(1));
        }

        assertThat(MetadataBackups.list(objects)).containsExactly("metadata/picobase-20261205T090200Z.db.gz",
                "metadata/picobase-20261205T090300Z.db.gz");
        assertThat(objects.list("metadata/")).contains("metadata/notes.txt");
    }

    @Test
    void twoBackupsWithinASecondGetTwoKeys() {
        MetadataBackups backups = new MetadataBackups(database, objects, 48, clock);
        String first = backups.backUp().orElseThrow();
        store.createUser("Ann", "ann@example.com", "hash-a").orElseThrow();

        String second = backups.backUp().orElseThrow();

        assertThat(second).isNotEqualTo(first).isEqualTo("metadata/picobase-20261205T090001Z.db.gz");
        assertThat(MetadataBackups.list(objects)).containsExactly(first, second);
    }

    @Test
    void aRestoreRefusesWhatIsNotPicoBasesMetadataAndChangesNothing() throws IOException {
        store.createUser("Ann", "ann@example.com", "hash-a").orElseThrow();
        store.close();
        Path notGzip = Files.writeString(dir.resolve("plain.txt"), "not a backup");
        objects.put("metadata/picobase-20261201T000000Z.db.gz", notGzip);
        Path otherDb = dir.resolve("other.db");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + otherDb);
             var s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE t (x)");
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
        Path otherGz = dir.resolve("other.db.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(otherGz))) {
            Files.copy(otherDb, out);
        }
        objects.put("metadata/picobase-20261202T000000Z.db.gz", otherGz);
        byte[] before = Files.readAllBytes(database);

        assertThatThrownBy(() -> MetadataRestore.restore(objects, "metadata/picobase-20261201T000000Z.db.gz",
                database, clock.instant())).isInstanceOf(MetadataRestore.RestoreRefused.class)
                .hasMessageContaining("not a gzipped metadata backup");
        assertThatThrownBy(() -> MetadataRestore.restore(objects, "metadata/picobase-20261202T000000Z.db.gz",
                database, clock.instant())).isInstanceOf(MetadataRestore.RestoreRefused.class)
                .hasMessageContaining("no schema_migrations table");

        assertThat(Files.readAllBytes(database)).isEqualTo(before);
        try (var files = Files.list(database.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") || n.contains("restore")))
                    .as("nothing left over").isEmpty();
        }
        store = MetadataStore.open(SqlBackend.of(new MetadataConfig(database, Optional.empty(), Optional.empty())),
                clock);
        assertThat(List.of(store.findCredentials("ann@example.com").isPresent())).containsExactly(true);
    }
}
