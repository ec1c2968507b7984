package dev.picobase.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.io.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: a periodic snapshot of a running instance listed the uploaded files first and
 * backed up the database when the walk reached it. A record added in between (PocketBase writes
 * the file, then the record) was in the snapshot's database while its file, written after the
 * listing, was not: a restore brought back records whose files were missing. The databases are
 * now backed up first and the files listed after, so every file a backed-up record names is there.
 */
class RunningSnapshotHoldsEveryFileItsRecordsNameTest {
    @TempDir
    Path dir;

    @Test
    void aRecordAddedBeforeTheBackupHasItsFileInTheCopy() throws Exception {
        Path pbData = dir.resolve("pb_data");
        try (LivePbData live = new LivePbData(pbData)) {
            AtomicBoolean stop = new AtomicBoolean();
            // PocketBase taking uploads: a file, then the record naming it, about one a millisecond
            // (bounded, so that each copy stays small enough for many of them to run).
            CompletableFuture<Void> uploads = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; !stop.get() && i < 1_000; i++) {
                        live.addRecordWithFile("r" + i);
                        LockSupport.parkNanos(1_000_000);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            int copies = 0;
            int recordsChecked = 0;
            try {
                while (!uploads.isDone() && copies < 100 && System.nanoTime() < end) {
                    Path target = dir.resolve("copy" + copies);
                    OnlineBackup.copy(pbData, target);
                    for (String file : LivePbData.filesNamedIn(target.resolve("data.db"))) {
                        assertThat(target.resolve(file)).as("copy %d holds the file of its record", copies)
                                .exists();
                        assertThat(Files.readString(target.resolve(file))).isEqualTo(LivePbData.contentOf(file));
                        recordsChecked++;
                    }
                    FileTrees.delete(target);
                    copies++;
                }
            } finally {
                stop.set(true);
                uploads.get(10, TimeUnit.SECONDS);
            }
            assertThat(copies).as("copies made while records were added").isGreaterThanOrEqualTo(3);
            assertThat(recordsChecked).isPositive();
        }
    }
}
