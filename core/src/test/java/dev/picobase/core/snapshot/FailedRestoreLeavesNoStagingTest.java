package dev.picobase.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.core.model.Snapshot;
import dev.picobase.core.storage.LocalDirectoryStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: a restore whose extraction failed after the archive's checksum had matched (seen
 * with a full disk) left its staging directory {@code pb_data.restoring} behind, outside the disk
 * budget's count, for ever; and a crash mid-restore or mid-eviction left {@code pb_data.old} or
 * {@code pb_data.evicted}. A failed restore now removes its staging and leaves {@code pb_data} as it
 * was; leftovers of a crash are put right at start ({@link Snapshots#recoverLeftovers}).
 */
class FailedRestoreLeavesNoStagingTest {
    @TempDir
    Path dir;

    @Test
    void anExtractionThatFailsRemovesItsStagingAndKeepsTheData() throws Exception {
        Path archive = dir.resolve("bad.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(archive))) {
            for (String name : new String[] {"data.db", "storage/a.txt", "../escapes.txt"}) { // the last cannot be written
                zip.putNextEntry(new ZipEntry(name));
                zip.write(name.getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        LocalDirectoryStore objects = new LocalDirectoryStore(dir.resolve("objects"));
        objects.put("instances/i1/snapshots/bad.zip", archive);
        Snapshot snapshot = new Snapshot("snap1", "i1", "instances/i1/snapshots/bad.zip", sha256(archive),
                Files.size(archive), Instant.now());
        Path pbData = dir.resolve("instances/i1/pb_data");
        Files.createDirectories(pbData);
        Files.writeString(pbData.resolve("data.db"), "current");

        try (MetadataStore store = MetadataStore.open(new SqliteFileBackend(dir.resolve("m.db")), Clock.systemUTC())) {
            Snapshots snapshots = new Snapshots(store, objects, 5, Clock.systemUTC());
            assertThatThrownBy(() -> snapshots.restore(snapshot, pbData)).hasMessageContaining("escapes");
        }
        assertThat(pbData.resolveSibling("pb_data.restoring")).doesNotExist();
        assertThat(Files.readString(pbData.resolve("data.db"))).isEqualTo("current");
        try (var files = Files.list(pbData.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("pb_data");
        }
    }

    @Test
    void leftoversOfACrashArePutRight() throws IOException {
        Path withData = dir.resolve("a");
        write(withData.resolve("pb_data/data.db"), "current");
        write(withData.resolve("pb_data.restoring/data.db"), "half extracted");
        write(withData.resolve("pb_data.old/data.db"), "replaced");
        write(withData.resolve("pb_data.evicted/data.db"), "saved, being deleted");
        Snapshots.recoverLeftovers(withData);
        try (var files = Files.list(withData)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("pb_data");
        }
        assertThat(Files.readString(withData.resolve("pb_data/data.db"))).isEqualTo("current");

        // The crash fell between a restore's two renames: the data it was replacing comes back.
        Path between = dir.resolve("b");
        write(between.resolve("pb_data.old/data.db"), "the only copy");
        write(between.resolve("pb_data.restoring/data.db"), "new");
        Snapshots.recoverLeftovers(between);
        assertThat(Files.readString(between.resolve("pb_data/data.db"))).isEqualTo("the only copy");
        assertThat(between.resolve("pb_data.old")).doesNotExist();
        assertThat(between.resolve("pb_data.restoring")).doesNotExist();
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(Files.readAllBytes(file));
        return HexFormat.of().formatHex(md.digest());
    }
}
