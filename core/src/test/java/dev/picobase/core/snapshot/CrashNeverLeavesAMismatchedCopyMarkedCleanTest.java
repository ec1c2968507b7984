package dev.picobase.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.model.Snapshot;
import dev.picobase.core.storage.LocalDirectoryStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: the marker beside {@code pb_data} ("the local copy is snapshot X", on whose word
 * a copy is started or left unsaved) was written with nothing forced to disk, and a restore renamed
 * the new data into place while the previous marker still stood. A crash between the swap and the
 * new marker left a marker naming the snapshot the data had just stopped being; a power cut could
 * bring back a marker over a torn, unforced {@code data.db}. Now the restore removes the marker
 * (forced) before its first rename, forces the extracted tree and the renames, and writes the new
 * marker atomically and forced; a save forces {@code pb_data} before its marker.
 *
 * <p>The test plays a crash after every step of a restore and of a save: the instance directory is
 * copied as it stands at that step, then put right as at start ({@link Snapshots#recoverLeftovers})
 * and judged with {@link Snapshots#isDirty}. Whatever the step, the copy is whole (one snapshot's
 * content, nothing torn) and, when it counts as clean, is exactly the current snapshot. A unit test
 * cannot observe an fsync (nor undo unforced writes like a power cut does): it checks the order of
 * the steps, which is what the forced writes make hold after a power cut as well.
 */
class CrashNeverLeavesAMismatchedCopyMarkedCleanTest {
    @TempDir
    Path dir;

    /** Content of each snapshot by id: relative path to text. */
    private final Map<String, Map<String, String>> contents = new HashMap<>();

    @Test
    void aCrashAtAnyStepOfARestoreLeavesAWholeCopyThatIsCleanOnlyIfItIsTheCurrentSnapshot() throws IOException {
        try (MetadataStore store = MetadataStore.open(new SqliteFileBackend(dir.resolve("m.db")), Clock.systemUTC())) {
            String id = store.createInstance("usr_1", "app", "app").orElseThrow().id();
            Snapshots snapshots = new Snapshots(store, new LocalDirectoryStore(dir.resolve("objects")), 5,
                    Clock.systemUTC());
            Path pbData = dir.resolve("instances").resolve(id).resolve("pb_data");
            Snapshot earlier = saveWith(snapshots, id, pbData, Map.of("data.db", "earlier", "storage/c/r/a.txt", "a"));
            Snapshot current = saveWith(snapshots, id, pbData, Map.of("data.db", "current", "storage/c/r/b.txt", "b"));
            assertThat(snapshots.isDirty(id, pbData)).isFalse();

            Map<String, Path> crashes = new LinkedHashMap<>();
            snapshots.onStep(step -> crashes.put(step, copyAsCrashed(pbData.getParent(), "restore-" + step)));
            snapshots.restore(earlier, pbData);

            assertThat(crashes.keySet()).containsExactly("extracted", "unmarked", "moved-aside", "swapped", "marked",
                    "restored");
            for (Map.Entry<String, Path> crash : crashes.entrySet()) {
                assertWholeAndHonest(snapshots, id, crash.getKey(), crash.getValue(), current);
            }
        }
    }

    @Test
    void aCrashAtAnyStepOfASaveLeavesTheCopyCleanOnlyOnceItIsTheCurrentSnapshot() throws IOException {
        try (MetadataStore store = MetadataStore.open(new SqliteFileBackend(dir.resolve("m.db")), Clock.systemUTC())) {
            String id = store.createInstance("usr_1", "app", "app").orElseThrow().id();
            Snapshots snapshots = new Snapshots(store, new LocalDirectoryStore(dir.resolve("objects")), 5,
                    Clock.systemUTC());
            Path pbData = dir.resolve("instances").resolve(id).resolve("pb_data");
            saveWith(snapshots, id, pbData, Map.of("data.db", "first"));

            Map<String, Path> crashes = new LinkedHashMap<>();
            snapshots.onStep(step -> crashes.put(step, copyAsCrashed(pbData.getParent(), "save-" + step)));
            Snapshot second = saveWith(snapshots, id, pbData, Map.of("data.db", "second", "storage/c/r/x.txt", "x"));

            assertThat(crashes.keySet()).containsExactly("uploaded", "marked");
            for (Map.Entry<String, Path> crash : crashes.entrySet()) {
                assertWholeAndHonest(snapshots, id, crash.getKey(), crash.getValue(), second);
            }
            // Before its marker the saved copy counts as dirty (saved again: a spare snapshot, no loss).
            assertThat(snapshots.isDirty(id, crashes.get("uploaded").resolve("pb_data"))).isTrue();
            assertThat(snapshots.isDirty(id, crashes.get("marked").resolve("pb_data"))).isFalse();
        }
    }

    /**
     * A wake-up's restore ({@link Snapshots#restoreToStart}) does not wait for the disk: PocketBase
     * starts at once and the copy is forced afterwards ({@link Snapshots#settle}). Until then a durable
     * note holds the boot id. After a restart of the machine (a power cut may have torn the unforced
     * files) the copy is discarded at start, so it is neither trusted nor uploaded as current; in the
     * same boot (the platform alone crashed; the page cache kept every write) it is forced and kept.
     */
    @Test
    void aWakeUpsRestoreThatDidNotReachTheDiskIsDiscardedAfterAReboot() throws IOException {
        try (MetadataStore store = MetadataStore.open(new SqliteFileBackend(dir.resolve("m.db")), Clock.systemUTC())) {
            String id = store.createInstance("usr_1", "app", "app").orElseThrow().id();
            Snapshots snapshots = new Snapshots(store, new LocalDirectoryStore(dir.resolve("objects")), 5,
                    Clock.systemUTC());
            Path pbData = dir.resolve("instances").resolve(id).resolve("pb_data");
            Snapshot current = saveWith(snapshots, id, pbData, Map.of("data.db", "current", "storage/c/r/b.txt", "b"));
            dev.picobase.core.io.FileTrees.delete(pbData); // evicted: the next start restores

            snapshots.restoreToStart(current, pbData);

            Path note = pbData.resolveSibling(Snapshots.UNSETTLED);
            assertThat(read(pbData)).isEqualTo(contents.get(current.id()));
            assertThat(Files.readString(note)).isEqualTo(Snapshots.bootId()).isNotEmpty();
            assertThat(pbData.resolveSibling(Snapshots.MARKER)).as("the start marks it dirty anyway").doesNotExist();

            Path sameBoot = copyAsCrashed(pbData.getParent(), "wake-same-boot");
            Snapshots.recoverLeftovers(sameBoot);
            assertThat(read(sameBoot.resolve("pb_data"))).isEqualTo(contents.get(current.id()));
            assertThat(sameBoot.resolve(Snapshots.UNSETTLED)).doesNotExist();

            Path rebooted = copyAsCrashed(pbData.getParent(), "wake-rebooted");
            Files.writeString(rebooted.resolve(Snapshots.UNSETTLED), "an-earlier-boot");
            Snapshots.recoverLeftovers(rebooted);
            try (Stream<Path> left = Files.list(rebooted)) {
                assertThat(left.map(p -> p.getFileName().toString())).as("the possibly torn copy is gone")
                        .doesNotContain("pb_data", Snapshots.UNSETTLED, Snapshots.MARKER, "pb_data.evicted");
            }

            Snapshots.settle(pbData); // what the lifecycle does once PocketBase serves
            assertThat(note).doesNotExist();
            assertThat(read(pbData)).isEqualTo(contents.get(current.id()));
        }
    }

    private void assertWholeAndHonest(Snapshots snapshots, String id, String step, Path instanceDir,
                                      Snapshot current) throws IOException {
        Snapshots.recoverLeftovers(instanceDir);
        Path pbData = instanceDir.resolve("pb_data");
        Map<String, String> local = read(pbData);
        assertThat(contents.values()).as("after a crash at %s, pb_data is one snapshot's whole content", step)
                .contains(local);
        Path marker = instanceDir.resolve(Snapshots.MARKER);
        if (Files.exists(marker)) {
            assertThat(local).as("after a crash at %s, the marker names what pb_data holds", step)
                    .isEqualTo(contents.get(Files.readString(marker).strip()));
        }
        if (!snapshots.isDirty(id, pbData)) {
            assertThat(local).as("after a crash at %s, a clean copy is the current snapshot", step)
                    .isEqualTo(contents.get(current.id()));
        }
    }

    /** Replaces pb_data with {@code files}, as a run of PocketBase would, and saves it. */
    private Snapshot saveWith(Snapshots snapshots, String id, Path pbData, Map<String, String> files)
            throws IOException {
        snapshots.markDirty(id, pbData);
        if (Files.exists(pbData)) {
            try (Stream<Path> walk = Files.walk(pbData)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path file = pbData.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.getValue());
        }
        Snapshot saved = snapshots.save(id, pbData);
        contents.put(saved.id(), new TreeMap<>(files));
        return saved;
    }

    /** The instance directory as a crash at this moment would leave it (forced writes assumed). */
    private Path copyAsCrashed(Path instanceDir, String name) {
        Path copy = dir.resolve("crashes").resolve(name);
        try (Stream<Path> walk = Files.walk(instanceDir)) {
            for (Path p : walk.toList()) {
                Path to = copy.resolve(instanceDir.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    private static Map<String, String> read(Path pbData) throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.isDirectory(pbData)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(pbData)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(pbData.relativize(p).toString().replace('\\', '/'), Files.readString(p));
            }
        }
        return files;
    }
}
