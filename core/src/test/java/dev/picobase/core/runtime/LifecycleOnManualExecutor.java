package dev.picobase.core.runtime;

import dev.picobase.core.model.Instance;
import dev.picobase.core.process.PortAllocator;
import dev.picobase.core.snapshot.Snapshots;
import dev.picobase.core.storage.LocalDirectoryStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.Tools;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * An {@link InstanceLifecycle} over a real PocketBase, a SQLite metadata file and a local object
 * store, whose blocking executor the test steers: it runs work on threads, holds it in a queue for
 * the test to run in the order it chooses, or rejects it as a full pool does. One instance exists.
 */
final class LifecycleOnManualExecutor implements AutoCloseable {
    enum Mode { RUN, QUEUE, REJECT }

    /** The lifecycle's blocking executor. */
    final class Steered implements Executor {
        volatile Mode mode = Mode.RUN;
        final BlockingQueue<Runnable> queued = new LinkedBlockingQueue<>();

        @Override
        public void execute(Runnable work) {
            switch (mode) {
                case RUN -> threads.execute(work);
                case QUEUE -> queued.add(work);
                case REJECT -> throw new RejectedExecutionException("the pool is full");
            }
        }
    }

    private final ExecutorService threads = Executors.newCachedThreadPool();
    final Steered blocking = new Steered();
    final MetadataStore store;
    final InstanceLifecycle lifecycle;
    final String instanceId;

    LifecycleOnManualExecutor(Path dir, int holdMaxRequests) {
        this(dir, holdMaxRequests, new LocalDirectoryStore(dir.resolve("objects")));
    }

    /** As above, with snapshots in {@code objects} (a test's own store, to hold an upload, say). */
    LifecycleOnManualExecutor(Path dir, int holdMaxRequests, dev.picobase.core.storage.ObjectStore objects) {
        store = MetadataStore.open(new SqliteFileBackend(dir.resolve("metadata.db")), Clock.systemUTC());
        String owner = store.createUser("Owner", "owner@example.com", "not-a-hash").orElseThrow().id();
        Instance instance = store.createInstance(owner, "App", "app").orElseThrow();
        instanceId = instance.id();
        InstanceDirectories dirs = new InstanceDirectories(dir);
        lifecycle = new InstanceLifecycle(store,
                listener -> new InstanceRuntime(Tools.pocketbase(), dirs, new PortAllocator(FreePorts.next()),
                        Duration.ofSeconds(20), Duration.ofSeconds(5), listener),
                new Snapshots(store, objects, 5, Clock.systemUTC()),
                blocking, Duration.ofHours(1), holdMaxRequests, Duration.ofSeconds(30), Duration.ZERO, Long.MAX_VALUE);
    }

    Instance instance() {
        return store.findInstance(instanceId).orElseThrow();
    }

    @Override
    public void close() {
        blocking.mode = Mode.RUN;
        blocking.queued.forEach(threads::execute);
        lifecycle.close();
        threads.shutdownNow();
        store.close();
    }
}
