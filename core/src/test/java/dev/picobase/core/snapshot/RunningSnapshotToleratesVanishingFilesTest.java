package dev.picobase.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.io.FileTrees;
import dev.picobase.core.storage.LocalDirectoryStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: a periodic snapshot of a running instance listed {@code pb_data} and then copied
 * it file by file; PocketBase deletes uploaded files (and their record directories) whenever a
 * record goes, and one file gone between the listing and its copy, or a directory gone under
 * {@code Files.walk}, failed the whole snapshot with {@code NoSuchFileException}. Files that vanish
 * are now left out. Also, an uploaded file whose name ends in {@code .db} was taken for a database
 * and sent through SQLite's backup, which failed the snapshot too. (The check for changes before a
 * periodic snapshot walked {@code pb_data} with {@code Files.walk} as well, and failed the same way.)
 */
class RunningSnapshotToleratesVanishingFilesTest {
    @TempDir
    Path dir;

    @Test
    void filesDeletedBetweenListingAndCopyAreLeftOut() throws Exception {
        Path pbData = dir.resolve("pb_data");
        try (LivePbData live = new LivePbData(pbData)) {
            String kept = live.addRecordWithFile("kept");
            live.addRecordWithFile("gone"); // its record is deleted, then its directory, during the copy
            Path target = dir.resolve("copy");

            OnlineBackup.copy(pbData, target, step -> {
                if (step.equals("files-listed")) {
                    try {
                        FileTrees.delete(pbData.resolve("storage/posts/gone"));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });

            assertThat(Files.readString(target.resolve(kept))).isEqualTo(LivePbData.contentOf(kept));
            assertThat(target.resolve("storage/posts/gone/gone.txt")).doesNotExist();
            assertThat(LivePbData.filesNamedIn(target.resolve("data.db")))
                    .containsExactlyInAnyOrder(kept, "storage/posts/gone/gone.txt");
            assertThat(target.resolve("data.db-wal")).doesNotExist();
        }
    }

    @Test
    void copiesSucceedWhileFilesAndDirectoriesComeAndGo() throws Exception {
        Path pbData = dir.resolve("pb_data");
        try (LivePbData live = new LivePbData(pbData)) {
            for (int i = 0; i < 20; i++) {
                live.addRecordWithFile("r" + i);
            }
            int copies = 0;
            try (Churn churn = new Churn(pbData.resolve("storage/posts/thumbs"))) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (copies < 200 && System.nanoTime() < end) {
                    Path target = dir.resolve("copy" + copies);
                    OnlineBackup.copy(pbData, target);
                    assertThat(LivePbData.filesNamedIn(target.resolve("data.db"))).hasSize(20).allSatisfy(file ->
                            assertThat(Files.readString(target.resolve(file))).isEqualTo(LivePbData.contentOf(file)));
                    FileTrees.delete(target);
                    copies++;
                }
                assertThat(churn.rounds()).as("directories came and went during the copies").isGreaterThan(copies);
            }
            assertThat(copies).isGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void periodicSnapshotsSucceedWhileFilesAndDirectoriesComeAndGo() throws Exception {
        Path pbData = dir.resolve("instances/i1/pb_data");
        try (LivePbData live = new LivePbData(pbData);
             MetadataStore store = MetadataStore.open(new SqliteFileBackend(dir.resolve("m.db")), Clock.systemUTC())) {
            live.addRecordWithFile("r0");
            String id = store.createInstance("usr_1", "app", "app").orElseThrow().id();
            Snapshots snapshots = new Snapshots(store, new LocalDirectoryStore(dir.resolve("objects")), 3,
                    Clock.systemUTC());
            int saved = 0;
            try (Churn churn = new Churn(pbData.resolve("storage/posts/thumbs"))) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (saved < 30 && System.nanoTime() < end) {
                    // Each has changes to save (the churn never stops): none may fail or be skipped.
                    assertThat(snapshots.saveRunning(id, pbData)).isPresent();
                    saved++;
                }
            }
            assertThat(saved).isGreaterThanOrEqualTo(5);
        }
    }

    /** Thumbnails made and dropped on another thread: files and whole directories appear and vanish. */
    private static final class Churn implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger rounds = new AtomicInteger();
        private final CompletableFuture<Void> running;

        Churn(Path thumbs) {
            running = CompletableFuture.runAsync(() -> {
                for (int j = 0; !stop.get() && j < 1_000_000; j++) {
                    try {
                        Path made = thumbs.resolve("t" + j);
                        Files.createDirectories(made);
                        for (int k = 0; k < 3; k++) {
                            Files.writeString(made.resolve(k + ".txt"), "thumb");
                        }
                        FileTrees.delete(thumbs.resolve("t" + (j - 2)));
                        rounds.incrementAndGet();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
        }

        int rounds() {
            return rounds.get();
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            running.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUploadedFileNamedLikeADatabaseIsCopiedAsItIs() throws Exception {
        Path pbData = dir.resolve("pb_data");
        try (LivePbData live = new LivePbData(pbData)) {
            live.addRecordWithFile("r1");
            Path upload = pbData.resolve("storage/posts/r1/export_x1y2z3.db");
            Files.writeString(upload, "not a SQLite database");
            Files.writeString(upload.resolveSibling("export_x1y2z3.db-wal"), "nor a WAL");

            OnlineBackup.copy(pbData, dir.resolve("copy"));

            assertThat(dir.resolve("copy/storage/posts/r1/export_x1y2z3.db")).hasContent("not a SQLite database");
            assertThat(dir.resolve("copy/storage/posts/r1/export_x1y2z3.db-wal")).hasContent("nor a WAL");
        }
    }
}
