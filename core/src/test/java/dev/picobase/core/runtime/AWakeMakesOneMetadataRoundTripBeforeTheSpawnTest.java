package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.process.PortAllocator;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.snapshot.Snapshots;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqlBackend;
import dev.picobase.core.store.SqliteFileBackend;
import dev.picobase.testsupport.CountingSqlBackend;
import dev.picobase.testsupport.CountingSqlBackend.Executed;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import dev.picobase.testsupport.Tools;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What could go wrong: with the metadata database far away (Turso, a shared sqld), every statement
 * a wake-up sends before PocketBase is spawned is a network round trip that every held request waits
 * for. The issue allows one: the lease take, which also returns the instance's current snapshot and
 * idle timeout. A second read (the snapshot, the instance row), a {@code starting} mark, or the
 * {@code running} write before the held requests are released would each add a round trip, and
 * nothing else would notice: the instance still starts. A second node asked for an instance the
 * first one runs must refuse it, and a repeat within a second must ask the database nothing (the
 * owner cache), or every request to a non-owner costs two statements.
 *
 * <p>What this proves, with real parts: a real sqld (the metadata of two nodes, each with its own
 * store whose connections count every statement sent), S3Proxy as the shared bucket, real PocketBase
 * processes under a real {@link InstanceLifecycle} in cluster mode. The moment of the spawn is read
 * through {@link InstanceLifecycle#onColdStart}, which the waking thread calls right after
 * {@code runtime.start} returned; the runtime touches no metadata, and statements of every thread
 * are counted, so the count at that moment is an upper bound of the count before the spawn. The
 * wake-up itself is queued and run by the test after it has subscribed to the request's future, so
 * the count at the release is read deterministically. For a wake from the local copy, a wake that
 * restores from object storage and a wake of a new instance: exactly one statement (the lease take)
 * before the spawn and before the release (it brings the instance's secrets too), and the status
 * reaches {@code running} afterwards. The embedded SQLite file (one node, no leases, no round trips) is
 * measured too, to show what it does.
 */
class AWakeMakesOneMetadataRoundTripBeforeTheSpawnTest {
    /** The lease outlives the test; renewal is not due during it, so no background statement runs. */
    private static final Duration LEASE_TTL = Duration.ofSeconds(60);
    private static final Duration RENEW_EVERY = Duration.ofHours(1);
    private static final Duration OWNER_CACHE = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    @AfterEach
    void closeAll() throws Exception {
        while (!toClose.isEmpty()) {
            toClose.pop().close();
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aWakeFromTheLocalCopy(StoreKind kind) throws Exception {
        Node a = node("node-a", kind, Long.MAX_VALUE);
        String id = a.newInstance();
        a.lifecycle.start(id);
        a.lifecycle.stop(id); // saved; in cluster mode the lease is given back
        assertThat(a.pbData(id)).as("the local copy kept after the stop").isDirectory();

        Measured wake = a.measureWake(id);

        assertThat(wake.objectReads()).as("served from the local copy, nothing read from object storage").isZero();
        assertOneStatementBeforeTheSpawn(kind, wake);
        a.awaitRunning(id);
    }

    @Test
    void aWakeThatRestoresFromObjectStorageOnAnotherNode() throws Exception {
        Node a = node("node-a", StoreKind.LIBSQL, Long.MAX_VALUE);
        Node b = node("node-b", StoreKind.LIBSQL, Long.MAX_VALUE);
        String id = a.newInstance();
        a.lifecycle.start(id);
        a.lifecycle.stop(id); // uploaded as the current snapshot, lease given back
        assertThat(b.pbData(id)).as("node b never ran it").doesNotExist();

        Measured wake = b.measureWake(id);

        assertThat(wake.objectReads()).as("restored from the snapshot node a saved").isEqualTo(1);
        assertThat(b.pbData(id)).isDirectory();
        assertOneStatementBeforeTheSpawn(StoreKind.LIBSQL, wake);
        b.awaitRunning(id);
    }

    @Test
    void aWakeOfAnInstanceThatNeverRan() throws Exception {
        Node a = node("node-a", StoreKind.LIBSQL, Long.MAX_VALUE);
        String id = a.newInstance();

        Measured wake = a.measureWake(id);

        assertThat(wake.objectReads()).as("no snapshot yet: nothing to restore").isZero();
        assertOneStatementBeforeTheSpawn(StoreKind.LIBSQL, wake);
        a.awaitRunning(id);
    }

    /**
     * One node on the embedded SQLite file, its copy evicted (disk budget of one byte): the start
     * marks the instance {@code starting}, reads its current snapshot to restore it, and reads its
     * secrets. Three statements, but on a local file, not round trips; recorded so that a change shows.
     */
    @Test
    void aSingleNodeWakeThatRestoresReadsTheSnapshotAfterTheStartingMark() throws Exception {
        Node a = node("node-a", StoreKind.SQLITE, 1);
        String id = a.newInstance();
        a.lifecycle.start(id);
        a.lifecycle.stop(id);
        assertThat(a.pbData(id)).as("evicted beyond the disk budget once saved").doesNotExist();

        Measured wake = a.measureWake(id);

        assertThat(wake.objectReads()).isEqualTo(1);
        assertThat(wake.beforeSpawn()).as("statements before the spawn").satisfiesExactly(
                s -> assertThat(s.sql()).startsWith("UPDATE instances SET status").contains("RETURNING"),
                s -> assertThat(s.sql()).startsWith("SELECT").contains("JOIN snapshots"),
                s -> assertThat(s.sql()).startsWith("SELECT").contains("FROM instance_secrets"));
        assertThat(wake.beforeRelease()).isEqualTo(wake.beforeSpawn());
        a.awaitRunning(id);
    }

    @Test
    void anInstanceHeldByAnotherNodeIsRefusedAndARepeatWithinASecondAsksNothing() throws Exception {
        Node a = node("node-a", StoreKind.LIBSQL, Long.MAX_VALUE);
        Node b = node("node-b", StoreKind.LIBSQL, Long.MAX_VALUE);
        String id = a.newInstance();
        a.lifecycle.start(id); // node a holds the lease and runs it

        boolean judged = false;
        for (int attempt = 1; attempt <= 3 && !judged; attempt++) {
            b.lifecycle.ownerUnreachable(id); // forget what an earlier attempt learnt
            int asked = b.sql.mark();
            long askedAt = System.nanoTime();
            assertThat(b.lifecycle.ensureRunning(id)).failsWithin(Duration.ofSeconds(30))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(InstanceElsewhereException.class)
                    .withMessageContaining("node-a");
            assertThat(b.sql.since(asked)).as("the first ask: the take, then who holds it").satisfiesExactly(
                    s -> assertThat(s.sql()).startsWith("INSERT INTO leases"),
                    s -> assertThat(s.sql()).startsWith("SELECT").contains("FROM leases"));

            int repeated = b.sql.mark();
            long repeatAt = System.nanoTime();
            CompletableFuture<InstanceLifecycle.Wake> again = b.lifecycle.ensureRunning(id);
            List<Executed> repeatStatements = b.sql.since(repeated);
            if (repeatAt - askedAt >= OWNER_CACHE.toNanos()) {
                continue; // this thread was held up past the cache's second: the repeat proves nothing
            }
            judged = true;
            assertThat(again).as("answered at once, without a wake-up").isCompletedExceptionally();
            assertThat(again).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(InstanceElsewhereException.class).withMessageContaining("node-a");
            assertThat(repeatStatements).as("statements of the repeat within a second").isEmpty();
        }
        assertThat(judged).as("a repeat within a second of the first ask, in 3 attempts").isTrue();
        assertThat(b.lifecycle.running(id)).as("no PocketBase of it on node b").isEmpty();
        assertThat(b.lifecycle.heldRequests(id)).isZero();
        assertThat(a.lifecycle.running(id)).isPresent();
    }

    private static void assertOneStatementBeforeTheSpawn(StoreKind kind, Measured wake) {
        assertThat(wake.woken().cold()).isTrue();
        if (kind == StoreKind.LIBSQL) {
            assertThat(wake.beforeSpawn()).as("statements between ensureRunning and the spawn").satisfiesExactly(
                    s -> assertThat(s.sql()).as("the lease take, secrets and all").startsWith("INSERT INTO leases")
                            .contains("RETURNING").contains("instance_secrets"));
        } else {
            assertThat(wake.beforeSpawn()).as("statements between ensureRunning and the spawn (a local file)")
                    .satisfiesExactly(
                            s -> assertThat(s.params()).as("the starting mark").contains("starting"),
                            s -> assertThat(s.sql()).as("the secrets").contains("FROM instance_secrets"));
        }
        assertThat(wake.beforeRelease()).as("statements before the held requests were released")
                .isEqualTo(wake.beforeSpawn());
        assertThat(wake.afterRelease()).as("statements after the release: the running mark among them")
                .anySatisfy(s -> {
                    assertThat(s.sql()).startsWith("UPDATE instances SET status");
                    assertThat(s.params()).contains("running");
                });
    }

    /** What one wake-up sent to the metadata database, cut at the spawn and at the release. */
    private record Measured(List<Executed> beforeSpawn, List<Executed> beforeRelease, List<Executed> afterRelease,
                            InstanceLifecycle.Wake woken, int objectReads) {}

    private Node node(String nodeId, StoreKind kind, long diskBudgetBytes) {
        Node n = new Node(nodeId, kind, diskBudgetBytes);
        toClose.push(n);
        return n;
    }

    /** One platform node: its own counted store, data directory, runtime and lifecycle. */
    private final class Node implements AutoCloseable {
        final CountingSqlBackend sql;
        final MetadataStore store;
        final AtomicInteger objectReads = new AtomicInteger();
        final Queueing blocking = new Queueing();
        final InstanceLifecycle lifecycle;
        final InstanceDirectories dirs;
        final AtomicInteger spawnMark = new AtomicInteger(-1);

        Node(String nodeId, StoreKind kind, long diskBudgetBytes) {
            Path data = dir.resolve(nodeId);
            boolean cluster = kind == StoreKind.LIBSQL;
            SqlBackend backend = cluster
                    ? SqlBackend.of(PicoBaseConfig.fromMap(kind.environment(data)).metadata())
                    : new SqliteFileBackend(dir.resolve("metadata.db"));
            sql = new CountingSqlBackend(backend);
            store = MetadataStore.open(sql, Clock.systemUTC());
            // Cluster nodes share one bucket (S3Proxy); a single node keeps its snapshots in a directory.
            ObjectStore objects = counted(cluster ? sharedBucket() : StorageKind.LOCAL.open(dir));
            dirs = new InstanceDirectories(data);
            lifecycle = new InstanceLifecycle(store,
                    listener -> new InstanceRuntime(Tools.pocketbase(), dirs, new PortAllocator(FreePorts.next()),
                            Duration.ofSeconds(20), Duration.ofSeconds(5), listener),
                    new Snapshots(store, objects, 5, Clock.systemUTC()), blocking, Duration.ofHours(1), 100,
                    Duration.ofSeconds(60), Duration.ZERO, diskBudgetBytes,
                    cluster ? NodeLeases.cluster(store, nodeId, LEASE_TTL) : NodeLeases.single(), RENEW_EVERY);
            // On the waking thread, right after runtime.start returned.
            lifecycle.onColdStart((restoreNanos, bootNanos) -> spawnMark.set(sql.mark()));
        }

        String newInstance() {
            String tag = Tokens.randomId(10).toLowerCase(Locale.ROOT);
            String owner = store.createUser("Owner", tag + "@example.com", "not-a-hash").orElseThrow().id();
            return store.createInstance(owner, "App", "app" + tag).orElseThrow().id();
        }

        Path pbData(String id) {
            return dirs.pbData(id);
        }

        /**
         * Asks for the instance as the gateway does and runs the queued wake-up on this thread, after
         * subscribing to the request's future: the mark taken when it completes is the release.
         */
        Measured measureWake(String id) throws Exception {
            blocking.queue = true;
            spawnMark.set(-1);
            int reads = objectReads.get();
            int asked = sql.mark();
            CompletableFuture<InstanceLifecycle.Wake> request = lifecycle.ensureRunning(id);
            AtomicInteger releaseMark = new AtomicInteger(-1);
            request.whenComplete((w, t) -> releaseMark.set(sql.mark()));
            assertThat(sql.since(asked)).as("ensureRunning itself sends nothing; its wake-up does").isEmpty();
            assertThat(blocking.queued).as("one wake-up queued").hasSize(1);
            Runnable wake = blocking.queued.take();
            wake.run();
            blocking.runQueued();
            InstanceLifecycle.Wake woken = request.get(0, TimeUnit.SECONDS); // completed by the wake-up above
            lifecycle.traffic().ended(id);
            assertThat(spawnMark.get()).as("PocketBase was spawned").isNotNegative();
            assertThat(releaseMark.get()).as("released after the spawn").isGreaterThanOrEqualTo(spawnMark.get());
            return new Measured(sql.between(asked, spawnMark.get()), sql.between(asked, releaseMark.get()),
                    sql.since(releaseMark.get()), woken, objectReads.get() - reads);
        }

        void awaitRunning(String id) {
            Deadline.await("instance " + id + " recorded running", Duration.ofSeconds(10),
                    () -> store.findInstance(id).orElseThrow().status() == InstanceStatus.RUNNING);
        }

        private ObjectStore counted(ObjectStore real) {
            return (ObjectStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ObjectStore.class},
                    (self, method, args) -> {
                        if (method.getName().equals("get")) {
                            objectReads.incrementAndGet();
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public void close() {
            blocking.queue = false;
            blocking.runQueued();
            lifecycle.close();
            blocking.threads.shutdownNow();
            store.close();
        }
    }

    private ObjectStore bucket;

    /** One S3Proxy bucket for every node of a test, as a cluster shares one. */
    private ObjectStore sharedBucket() {
        if (bucket == null) {
            bucket = StorageKind.S3PROXY.open(dir.resolve("s3-client"));
            toClose.addLast(bucket);
        }
        return bucket;
    }

    /** The lifecycle's blocking executor: on threads, or queued for the test to run while it measures. */
    private static final class Queueing implements Executor {
        final ExecutorService threads = Executors.newCachedThreadPool();
        final BlockingQueue<Runnable> queued = new LinkedBlockingQueue<>();
        volatile boolean queue;

        @Override
        public void execute(Runnable work) {
            if (queue) {
                queued.add(work);
            } else {
                threads.execute(work);
            }
        }

        void runQueued() {
            queue = false;
            Runnable work;
            while ((work = queued.poll()) != null) {
                threads.execute(work);
            }
        }
    }
}
