package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.core.model.Snapshot;
import dev.picobase.core.storage.LocalDirectoryStore;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.core.storage.StoredObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Back up now" clicked again while a backup uploads. What went wrong: each click waited for the
 * instance's lock on a control-API thread for as long as the upload took, so one tenant clicking
 * repeatedly (or a script) could hold every API thread. Now a second manual backup of the same
 * instance is refused at once ({@link HoldLimitException}, 429 on the API) and the first completes.
 * The object store holds the first upload until the test lets it go.
 */
@Timeout(60)
class OneManualBackupAtATimePerInstanceTest {
    @TempDir
    Path dir;

    @Test
    void aSecondManualBackupWhileOneUploadsIsRefusedAtOnce() throws Exception {
        HeldUploads objects = new HeldUploads(new LocalDirectoryStore(dir.resolve("objects")));
        try (LifecycleOnManualExecutor f = new LifecycleOnManualExecutor(dir, 10, objects)) {
            f.lifecycle.start(f.instanceId);
            objects.hold();
            CompletableFuture<Snapshot> first = CompletableFuture.supplyAsync(() -> f.lifecycle.backUp(f.instanceId));
            assertThat(objects.uploading.await(30, TimeUnit.SECONDS)).as("the first backup is uploading").isTrue();

            assertThatThrownBy(() -> f.lifecycle.backUp(f.instanceId)).isInstanceOf(HoldLimitException.class)
                    .hasMessageContaining("being taken");

            objects.release();
            Snapshot taken = first.get(30, TimeUnit.SECONDS);
            assertThat(f.store.latestSnapshot(f.instanceId).map(Snapshot::id)).contains(taken.id());
            assertThat(f.lifecycle.backUp(f.instanceId).id()).as("the next one, once it is done").isNotEqualTo(taken.id());
        }
    }

    /** A store whose uploads wait, once held, until released. */
    private static final class HeldUploads implements ObjectStore {
        private final ObjectStore store;
        final CountDownLatch uploading = new CountDownLatch(1);
        private volatile CountDownLatch gate = new CountDownLatch(0);

        HeldUploads(ObjectStore store) {
            this.store = store;
        }

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        @Override
        public void put(String key, Path source) {
            uploading.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            store.put(key, source);
        }

        @Override
        public void get(String key, Path destination) {
            store.get(key, destination);
        }

        @Override
        public Optional<StoredObject> open(String key) {
            return store.open(key);
        }

        @Override
        public long size(String key) {
            return store.size(key);
        }

        @Override
        public void delete(String key) {
            store.delete(key);
        }

        @Override
        public List<String> list(String prefix) {
            return store.list(prefix);
        }

        @Override
        public void checkWritable() {
            store.checkWritable();
        }

        @Override
        public String describe() {
            return "held " + store.describe();
        }
    }
}
