package dev.picobase.core.runtime;

import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.io.FileTrees;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.model.SnapshotReason;
import dev.picobase.core.model.StoredSecret;
import dev.picobase.core.snapshot.Snapshots;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.process.PocketBaseProcess;
import dev.picobase.core.process.ProcessExit;
import dev.picobase.core.store.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops instances for both the control API and the gateway, keeping the status in the
 * metadata store in step with the processes of {@link InstanceRuntime}: {@code stopped → starting
 * → running}, {@code running → stopping → stopped}, and {@code failed} with the reason when
 * PocketBase does not come up or dies on its own (no automatic restart: the next request or a start
 * call starts it again, and the reason stays visible until then).
 *
 * <p>Data: a stop saves {@code pb_data} as a new snapshot ({@link Snapshots}) before the instance is
 * reported {@code stopped}; if saving fails the local copy stays, the instance is {@code failed} with
 * the reason, and the save is retried with backoff. A start reuses the local copy when there is one
 * (every snapshot was taken from it, so it is never older), and otherwise restores the current
 * snapshot first. Operations on one instance — start, stop, save, restore, delete — are serialised
 * under its lock (a start waits for a stop's save). A restore saves any unsaved local copy first; a
 * delete leaves a tombstone that refuses every later wake and save.
 * Instances with no request in flight for the idle timeout are saved and stopped. Local copies are
 * a cache within a disk budget: past it, the copies of stopped, saved instances are deleted least
 * recently used first (never one the store lacks), and their next start restores them.
 *
 * <p>The parts that run beside this state machine are their own classes: {@link InstanceLocks} (one
 * lock per instance), {@link ColdStarter} (requests held while an instance wakes), {@link IdleReaper},
 * {@link SnapshotScheduler} (periodic snapshots of running instances), {@link DiskBudget} (local
 * copies as a cache) and {@link CrashRecovery} (what a crash left on disk). What is left here is
 * start, stop, save, restore and delete, and the judging of exits.
 *
 * <p>Shutdown ({@link #beginShutdown}, then {@link #close}) starts nothing more and saves every
 * instance that was running, including one whose PocketBase the service manager signalled along
 * with the platform: an exit during shutdown is a stop to save, never a failure.
 *
 * <p>Threading: {@link #start}, {@link #stop} and {@link #delete} block (database, process work);
 * call them on a blocking executor. {@link #ensureRunning} never blocks its caller: it completes at
 * once for a running instance and otherwise starts it on {@code blocking}.
 */
public final class InstanceLifecycle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceLifecycle.class);
    /**
     * How long an exit on a stop signal from outside waits before it counts as a failure: when a
     * service manager signals every process of the service, PocketBase may exit (it takes a few
     * milliseconds) before this JVM has begun its own shutdown.
     */
    private static final Duration EXTERNAL_STOP_SETTLE = Duration.ofMillis(500);
    /**
     * Statuses a start may begin from. {@code stopping} is one: a stop holds the instance's lock for
     * its whole run, so a start that gets the lock only finds {@code stopping} left by a crashed run
     * whose recovery save has not begun yet.
     */
    private static final EnumSet<InstanceStatus> STARTABLE = EnumSet.of(InstanceStatus.STOPPED, InstanceStatus.FAILED,
            InstanceStatus.STOPPING);

    private final MetadataStore store;
    private final InstanceRuntime runtime;
    private final Snapshots snapshots;
    private final Executor blocking;
    private final ScheduledExecutorService timer;
    private final InstanceTraffic traffic = new InstanceTraffic();
    private final InstanceLocks locks = new InstanceLocks();
    /** Instances being stopped: new requests must wait for the save and a fresh start, not reach them. */
    private final java.util.Set<String> stopping = ConcurrentHashMap.newKeySet();
    private final ColdStarter coldStarter;
    private final IdleReaper idleReaper;
    private final DiskBudget diskBudget;
    private final NodeLeases leases;
    /** Instances whose PocketBase exited without our asking and that were neither started nor saved since. */
    private final java.util.Set<String> exitedOnTheirOwn = ConcurrentHashMap.newKeySet();
    /**
     * Tombstones: instances being deleted or deleted. Checked under the instance's lock by every wake
     * and every save, so a request that raced with the delete cannot start PocketBase on data being
     * removed, and no save uploads a snapshot for an id whose objects are being deleted.
     */
    private final java.util.Set<String> deleted = ConcurrentHashMap.newKeySet();
    /** Instances a manual backup is being taken of (at most one each). */
    private final java.util.Set<String> manualBackups = ConcurrentHashMap.newKeySet();
    private volatile boolean shuttingDown;

    private volatile ColdStartListener coldStarts = (restoreNanos, bootNanos) -> { };
    private volatile SecretOpener secretOpener = (instanceId, secrets) -> java.util.Map.of();

    /** Told of every cold start (once per start, however many requests waited for it), for metrics. */
    @FunctionalInterface
    public interface ColdStartListener {
        /** Called on the starting thread; must not block. */
        void coldStarted(long restoreNanos, long bootNanos);

        /** As {@link #coldStarted(long, long)}, for listeners that count by instance (usage). */
        default void coldStarted(String instanceId, long restoreNanos, long bootNanos) {
            coldStarted(restoreNanos, bootNanos);
        }
    }

    /** A running instance's address and, after a cold start, how long restore and boot took. */
    public record Wake(InetSocketAddress address, long restoreMillis, long bootMillis, boolean cold) {}

    /** A single node (no leases). Builds the runtime itself so that its exit reports come back here. */
    public InstanceLifecycle(MetadataStore store, RuntimeFactory runtimeFactory, Snapshots snapshots,
                             Executor blocking, Duration idleTimeout, int holdMaxRequests, Duration holdTimeout,
                             Duration snapshotInterval, long diskBudgetBytes) {
        this(store, runtimeFactory, snapshots, blocking, idleTimeout, holdMaxRequests, holdTimeout, snapshotInterval,
                diskBudgetBytes, NodeLeases.single(), Duration.ZERO);
    }

    /**
     * A node of a cluster when {@code leases} is enabled: an instance is started only under its lease,
     * the leases are renewed every {@code renewEvery}, and an instance whose lease is lost stops being
     * served at once.
     */
    public InstanceLifecycle(MetadataStore store, RuntimeFactory runtimeFactory, Snapshots snapshots,
                             Executor blocking, Duration idleTimeout, int holdMaxRequests, Duration holdTimeout,
                             Duration snapshotInterval, long diskBudgetBytes, NodeLeases leases, Duration renewEvery) {
        this.leases = leases;
        this.store = store;
        this.snapshots = snapshots;
        this.blocking = blocking;
        this.runtime = runtimeFactory.create(this::exitedUnexpectedly);
        this.coldStarter = new ColdStarter(blocking, traffic, holdMaxRequests, holdTimeout, this::wake);
        this.idleReaper = new IdleReaper(traffic, locks, blocking, id -> runtime.running(id).isPresent(), this::stop,
                idleTimeout);
        this.diskBudget = new DiskBudget(diskBudgetBytes, locks, runtime.directories(), snapshots,
                id -> runtime.running(id).isPresent());
        SnapshotScheduler periodic = new SnapshotScheduler(traffic, locks, blocking, snapshots, runtime.directories(),
                id -> runtime.running(id).isPresent() && !deleted.contains(id));
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("instance-timer"));
        long period = idleReaper.period().toMillis();
        timer.scheduleWithFixedDelay(idleReaper::tick, period, period, TimeUnit.MILLISECONDS);
        // PocketBase writes its log file itself; the caps are kept off the timer (it renews leases).
        timer.scheduleWithFixedDelay(() -> {
            try {
                blocking.execute(runtime::enforceLogCaps);
            } catch (java.util.concurrent.RejectedExecutionException busy) {
                // the next second's sweep will do
            }
        }, 1, 1, TimeUnit.SECONDS);
        if (!snapshotInterval.isZero()) {
            long every = snapshotInterval.toMillis();
            timer.scheduleWithFixedDelay(periodic::tick, every, every, TimeUnit.MILLISECONDS);
        }
        if (leases.enabled()) {
            snapshots.inCluster(leases.nodeId(), leases::movePointer);
            long renew = renewEvery.toMillis();
            timer.scheduleWithFixedDelay(this::renewLeases, renew, renew, TimeUnit.MILLISECONDS);
        }
    }

    /** This node's leases (cluster mode), for metrics and the cluster listing. */
    public NodeLeases leases() {
        return leases;
    }

    /**
     * On the timer: renews every lease in one statement (on the blocking executor); an instance whose
     * lease was lost stops being served at once (its requests are held, then refused or sent to the
     * new owner) and its PocketBase is stopped, its unsaved writes kept as a backup that is not current.
     */
    private void renewLeases() {
        try {
            blocking.execute(() -> {
                for (String id : leases.renew()) {
                    stopping.add(id); // new requests wait for the fence below instead of reaching PocketBase
                    LOG.warn("instance {}: this node lost its lease; it stops serving it", id);
                    blocking.execute(() -> locks.runLocked(id, () -> fenceLocked(id, true)));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException busy) {
            // the next tick tries again; the margins keep the leases safe meanwhile
        }
    }

    /**
     * Under the lock, for an instance this node may no longer serve: stops its PocketBase, keeps any
     * unsaved writes as a backup that is not current (this node cannot make it current), and discards
     * the local copy, which another node's run has made stale.
     */
    private void fenceLocked(String instanceId, boolean mayKeep) {
        if (mayKeep && runtime.running(instanceId).isPresent() && keptLease(instanceId)) {
            stopping.remove(instanceId);
            return; // the lease lapsed on this node's clock only: nobody else held it, serving goes on
        }
        try {
            runtime.stop(instanceId);
            Path pbData = runtime.directories().pbData(instanceId);
            if (Files.isDirectory(pbData) && !deleted.contains(instanceId)) {
                // Deleted through another node (its lease row went with it): nothing to keep, no upload.
                if (snapshots.isDirty(instanceId, pbData) && store.findInstance(instanceId).isPresent()) {
                    snapshots.saveAside(instanceId, pbData, "saved by node " + leases.nodeId()
                            + " after it lost the instance's lease; restore it to bring these writes back");
                }
                discardLocalCopy(instanceId);
            }
            leases.release(instanceId); // if keptLease took it again, non-continuous: not ours to keep
        } catch (RuntimeException e) {
            LOG.warn("instance {}: could not put aside the writes of a lost lease (its local copy is kept): {}",
                    instanceId, e.getMessage());
        } finally {
            stopping.remove(instanceId);
        }
    }

    /**
     * For a running instance whose lease lapsed on this node's clock (a slow renewal, a database
     * hiccup): takes it again, and keeps serving if no other node held it in between (the epoch
     * continues this node's). False when another node holds it or held it since.
     */
    private boolean keptLease(String instanceId) {
        try {
            if (leases.take(instanceId).continuous()) {
                LOG.info("instance {}: lease taken again after it lapsed; nobody held it meanwhile", instanceId);
                return true;
            }
            return false;
        } catch (InstanceElsewhereException e) {
            return false;
        }
    }

    /** Deletes a local copy that is not the instance's newest data (renamed away first, as an eviction). */
    private void discardLocalCopy(String instanceId) {
        try {
            diskBudget.delete(instanceId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot discard the stale copy of " + instanceId, e);
        }
    }

    /** Set once at wiring time, before traffic; replaces the no-op default. */
    public void onColdStart(ColdStartListener listener) {
        this.coldStarts = listener;
    }

    public InstanceTraffic traffic() {
        return traffic;
    }

    /** Creates the runtime given the listener it must report unexpected exits to. */
    @FunctionalInterface
    public interface RuntimeFactory {
        InstanceRuntime create(UnexpectedExitListener listener);
    }

    /**
     * At start-up, after a clean stop or a crash. No PocketBase of ours runs yet: statuses a previous
     * run left behind ({@code running}, {@code starting}, {@code stopping}) are reset, PocketBase
     * processes it left serving an instance are stopped (they checkpoint their WAL on SIGTERM), and
     * local data newer than the instance's current snapshot — written after the last save, then the
     * platform died — is saved (in the background, before any start of that instance), so object
     * storage holds every acknowledged write again. A save that fails here keeps the local copy and
     * is retried like any failed save.
     */
    public void reconcile() {
        List<Instance> all = store.listAllInstances();
        CrashRecovery.putRightTheDisk(runtime.directories(), all);
        diskBudget.recordOnDisk(all);
        for (Instance i : all) {
            if (runtime.running(i.id()).isPresent()) {
                continue;
            }
            runtime.stopStray(i.id());
            Path pbData = runtime.directories().pbData(i.id());
            try {
                dev.picobase.core.code.CodeFiles.recoverInterruptedReplace(pbData);
            } catch (RuntimeException e) {
                LOG.warn("instance {}: {}", i.id(), e.getMessage());
            }
            if (Files.isDirectory(pbData) && snapshots.isDirty(i.id(), pbData)) {
                LOG.warn("instance {}: local data newer than its last snapshot (the platform stopped without "
                        + "saving it); saving it now", i.id());
                store.transition(i.id(), EnumSet.allOf(InstanceStatus.class), InstanceStatus.STOPPING, null);
                // In the background, so the platform serves at once; a request waits for this save.
                blocking.execute(() -> locks.runLocked(i.id(), () -> saveAtStart(i.id())));
            } else if (i.status() != InstanceStatus.STOPPED && i.status() != InstanceStatus.FAILED) {
                store.transition(i.id(), EnumSet.of(i.status()), InstanceStatus.STOPPED, null);
            }
        }
        blocking.execute(diskBudget::evictBeyondBudget);
    }

    /**
     * Saves a local copy the previous run left unsaved. In cluster mode it is saved as current only
     * under the instance's lease and only if no other node ran the instance since (otherwise it is
     * kept as a backup that is not current, and discarded), and the lease is given back after.
     */
    private void saveAtStart(String instanceId) {
        Path pbData = runtime.directories().pbData(instanceId);
        if (leases.enabled()) {
            try {
                NodeLeases.Taken lease = leases.take(instanceId);
                setAsideIfStale(instanceId, pbData, lease.current());
            } catch (InstanceElsewhereException elsewhere) {
                try {
                    snapshots.saveAside(instanceId, pbData, "unsaved writes of node " + leases.nodeId() + " from "
                            + "before it restarted; node " + elsewhere.owner() + " runs the instance now; restore it "
                            + "to bring these writes back");
                    discardLocalCopy(instanceId);
                } catch (RuntimeException e) {
                    LOG.warn("instance {}: could not put aside its unsaved local copy (kept): {}", instanceId,
                            e.getMessage());
                }
                return;
            }
        }
        saveStopped(instanceId, 0);
        releaseIfSaved(instanceId);
    }

    /** Bytes held by instances' local copies, each as of its last save (or the platform's start). */
    public long localCopiesBytes() {
        return diskBudget.totalBytes();
    }

    /**
     * The running instance's loopback address, starting it first if needed (never blocks the caller).
     * Requests for a stopped instance share one wake-up; at most {@code holdMaxRequests} wait per
     * instance, each for at most {@code holdTimeout}; beyond either the future fails with
     * {@link HoldLimitException} (the gateway answers 503 with {@code Retry-After}).
     *
     * <p>A future that completes normally has counted the request in flight ({@link #traffic()}); the
     * caller ends it with {@code traffic().ended(instanceId)}. It is counted before the future
     * completes, and for a request held by a wake-up before the wake-up gives up the instance's lock,
     * so a stop that follows at once waits for the request (its drain sees it) instead of stopping
     * PocketBase under it.
     */
    public CompletableFuture<Wake> ensureRunning(String instanceId) {
        Optional<PocketBaseProcess> running = runtime.running(instanceId);
        if (running.isPresent() && running.get().isAlive() && !stopping.contains(instanceId)
                && leases.valid(instanceId)) {
            traffic.started(instanceId);
            // Counted first, checked again: a stop marks the instance, then reads the count, so either
            // it sees this request or this request sees the stop and waits for the next start.
            if (!stopping.contains(instanceId)) {
                return CompletableFuture.completedFuture(new Wake(address(running.get()), 0, 0, false));
            }
            traffic.ended(instanceId);
        }
        if (running.isEmpty()) {
            // Cluster mode: another node held the lease a moment ago; the request goes there (one
            // hop) without a round trip to the database or a turn through the wake-up queue.
            Optional<String> owner = leases.ownerElsewhere(instanceId);
            if (owner.isPresent()) {
                return CompletableFuture.failedFuture(new InstanceElsewhereException(instanceId, owner.get()));
            }
        }
        return coldStarter.hold(instanceId);
    }

    /** A request sent to {@code node} for the instance could not reach it: look the owner up again. */
    public void ownerUnreachable(String instanceId) {
        leases.forgetOwner(instanceId);
    }

    /** How many requests are waiting for {@code instanceId} to start. */
    public int heldRequests(String instanceId) {
        return coldStarter.held(instanceId);
    }

    /** How many requests are waiting for any instance to start (for metrics). */
    public int heldRequests() {
        return coldStarter.held();
    }

    /** Starts the instance and returns it {@code running}; throws {@link InstanceStartException} on failure. */
    public Instance start(String instanceId) {
        locks.withLock(instanceId, () -> {
            markRunningIfCold(instanceId, startLocked(instanceId));
            return null;
        });
        return current(instanceId);
    }

    /**
     * Starts the instance unless it runs, and completes {@code release} with where it listens (or
     * with the failure) while still holding its lock: the requests held for it count themselves in
     * flight in their completion, before a stop waiting for the lock can look.
     */
    private void wake(String instanceId, CompletableFuture<Wake> release) {
        locks.runLocked(instanceId, () -> {
            Wake woken;
            try {
                woken = startLocked(instanceId);
            } catch (RuntimeException | Error e) {
                release.completeExceptionally(e);
                return;
            }
            release.complete(woken); // the held requests go on now: the status write is not theirs to wait for
            markRunningIfCold(instanceId, woken);
        });
    }

    /**
     * Records a start that just happened as {@code running}, still under the instance's lock (no stop
     * can slip in between) but after the requests it held were released: with the metadata database
     * far away (cluster mode), a wake-up makes one round trip before PocketBase is spawned, the lease,
     * and none after it. (A single node marks it {@code starting} first, and looks up the snapshot to
     * restore when it has no local copy: statements on its local file.) A failed write is logged: the
     * instance runs whatever its row says, and the next transition writes it again.
     */
    private void markRunningIfCold(String instanceId, Wake woken) {
        if (!woken.cold()) {
            return;
        }
        EnumSet<InstanceStatus> from = EnumSet.copyOf(STARTABLE);
        from.add(InstanceStatus.STARTING);
        try {
            store.transition(instanceId, from, InstanceStatus.RUNNING, null);
        } catch (RuntimeException e) {
            LOG.warn("instance {}: started, but its status could not be recorded: {}", instanceId, e.getMessage());
        }
    }

    private Wake startLocked(String instanceId) {
        Optional<PocketBaseProcess> running = runtime.running(instanceId);
        if (running.isPresent() && running.get().isAlive()) {
            if (leases.valid(instanceId) || keptLease(instanceId)) {
                return new Wake(address(running.get()), 0, 0, false);
            }
            fenceLocked(instanceId, false); // another node held it since: not ours to serve until taken again below
        }
        if (deleted.contains(instanceId)) {
            throw new InstanceDeletedException(instanceId);
        }
        if (shuttingDown) {
            // A start now would outlive the shutdown's saves, or be killed by them unsaved.
            throw new HoldLimitException("the platform is shutting down; try again shortly");
        }
        // Cluster mode: taken before anything else; the same statement says which snapshot is current
        // what the instance's idle timeout is and its secrets. It is the one metadata round trip before the spawn.
        NodeLeases.Taken lease = leases.take(instanceId);
        if (leases.enabled()) {
            idleReaper.idleTimeout(instanceId, lease.idleTimeout());
        } else {
            store.transition(instanceId, STARTABLE, InstanceStatus.STARTING, null)
                    .or(() -> store.findInstance(instanceId))
                    .ifPresent(i -> idleReaper.idleTimeout(instanceId, i.idleTimeout()));
        }
        try {
            long t0 = System.nanoTime();
            Path pbData = runtime.directories().pbData(instanceId);
            boolean restored = bringLocalCopyUpToDate(instanceId, pbData, lease, true); // forced to disk after the start
            long t1 = System.nanoTime();
            diskBudget.touched(instanceId);
            snapshots.markDirty(instanceId, pbData); // from now on the local copy may be newer
            List<StoredSecret> secrets = leases.enabled() ? lease.secrets() : store.listSecrets(instanceId);
            PocketBaseProcess process = runtime.start(instanceId, secretOpener.open(instanceId, secrets));
            exitedOnTheirOwn.remove(instanceId);
            long t2 = System.nanoTime();
            traffic.touch(instanceId);
            coldStarts.coldStarted(instanceId, t1 - t0, t2 - t1);
            if (restored) {
                settleLater(instanceId, pbData);
            }
            return new Wake(address(process), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, true);
        } catch (RuntimeException e) {
            EnumSet<InstanceStatus> from = EnumSet.copyOf(STARTABLE); // cluster mode wrote no "starting"
            from.add(InstanceStatus.STARTING);
            // The whole cause for the operator; the tenant's status says what happened, not where.
            LOG.warn("instance {}: start failed: {}", instanceId, e.toString());
            store.transition(instanceId, from, InstanceStatus.FAILED, TenantNotice.of(e).message(), fullCause(e));
            leases.release(instanceId);
            throw e;
        }
    }

    /**
     * A failure with each of its causes ({@code toString()}, so the exception's type too), for the
     * operators' view of a failed instance; at most a few kilobytes.
     */
    static String fullCause(Throwable failure) {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 8; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (depth > 0) {
                text.append("; caused by: ");
            }
            text.append(t);
        }
        return text.length() > 4000 ? text.substring(0, 4000) + "…" : text.toString();
    }

    /**
     * With the lease just taken: makes the local copy the instance's newest data. In cluster mode a
     * stale copy is set aside first ({@link #setAsideIfStale}); without a local copy the current
     * snapshot is restored ({@code forStart}: without waiting for the disk, which {@link #settleLater}
     * forces once PocketBase serves). Returns whether it restored one.
     */
    private boolean bringLocalCopyUpToDate(String instanceId, Path pbData, NodeLeases.Taken lease, boolean forStart) {
        if (leases.enabled() && Files.isDirectory(pbData)) {
            setAsideIfStale(instanceId, pbData, lease.current());
        }
        if (Files.isDirectory(pbData)) {
            return false;
        }
        Optional<Snapshot> latest = leases.enabled() ? lease.current() : snapshots.latest(instanceId);
        if (latest.isEmpty()) {
            Snapshots.recordNoBase(pbData); // a new instance: its copy descends from no snapshot
            return false;
        }
        if (forStart) {
            snapshots.restoreToStart(latest.get(), pbData);
        } else {
            snapshots.restore(latest.get(), pbData);
        }
        return true;
    }

    /**
     * Changes the instance's data while it is not running — a code deploy: files under
     * {@code pb_data/picobase}, or its secrets — and saves the result as a new current snapshot (reason
     * {@code deploy}), so every later start, on any node, and every restore of that snapshot has it. A
     * running instance is stopped first (its data saved), changed, and started again, all under its
     * lock: requests that arrive meanwhile are held by the gateway and served by the new process, not
     * refused. A stopped instance stays stopped. In cluster mode this acts under the instance's lease,
     * given back once saved; {@link InstanceElsewhereException} when another node runs it.
     *
     * <p>A start that fails (a hook that does not compile) leaves the instance {@code failed} with
     * PocketBase's message, as any start does; the change stays saved and a restore of the snapshot
     * before it brings the previous code back. {@code change} gets {@code pb_data} (it may not exist
     * yet for an instance that never ran) and its result is returned with the instance as it is after.
     *
     * @throws InstanceDeletedException when the instance was deleted meanwhile
     */
    public <T> Changed<T> changeData(String instanceId, java.util.function.Function<Path, T> change) {
        return locks.withLock(instanceId, () -> {
            if (deleted.contains(instanceId)) {
                throw new InstanceDeletedException(instanceId);
            }
            leases.checkNotElsewhere(instanceId);
            boolean wasRunning = runtime.running(instanceId).isPresent();
            if (wasRunning) {
                stop(instanceId, SnapshotReason.STOP); // reentrant: saves what PocketBase wrote so far
            }
            Path pbData = runtime.directories().pbData(instanceId);
            T result = null;
            RuntimeException failure = null;
            try {
                NodeLeases.Taken lease = leases.take(instanceId);
                bringLocalCopyUpToDate(instanceId, pbData, lease, false);
                diskBudget.touched(instanceId);
                snapshots.markDirty(instanceId, pbData); // changed below: the next save must upload it
                result = change.apply(pbData);
                saveStopped(instanceId, 0, SnapshotReason.DEPLOY); // a failed save keeps the copy and retries
            } catch (RuntimeException e) {
                failure = e; // a refused change changed nothing: the instance still runs again below
            } finally {
                releaseIfSaved(instanceId);
            }
            if (wasRunning) {
                try {
                    markRunningIfCold(instanceId, startLocked(instanceId));
                } catch (InstanceStartException e) {
                    // `failed` with PocketBase's message (startLocked wrote it); the caller reads it below.
                }
            }
            if (failure != null) {
                throw failure;
            }
            return new Changed<>(result, current(instanceId));
        });
    }

    /**
     * Restarts the instance if it runs here, under its lock (its data saved at the stop), so that a
     * change made outside its data — its secrets — applies: requests that arrive meanwhile are held
     * and served by the new process. A stopped instance is left as it is (its next start reads the
     * change). Returns the instance as it is after: running, or {@code failed} with the reason.
     */
    public Instance restartIfRunning(String instanceId) {
        return locks.withLock(instanceId, () -> {
            if (deleted.contains(instanceId)) {
                throw new InstanceDeletedException(instanceId);
            }
            leases.checkNotElsewhere(instanceId);
            if (runtime.running(instanceId).isPresent()) {
                stop(instanceId, SnapshotReason.STOP);
                try {
                    markRunningIfCold(instanceId, startLocked(instanceId));
                } catch (InstanceStartException e) {
                    // `failed` with PocketBase's message (startLocked wrote it); the caller reads it below.
                }
            }
            return current(instanceId);
        });
    }

    /**
     * Gives a new instance, never started, {@code source} (a snapshot of another instance) as its
     * data: stored again as the new instance's own current snapshot (reason {@code clone}), so the
     * two never share an object and each prunes its own. In cluster mode under the new instance's lease.
     */
    public Snapshot seed(String instanceId, Snapshot source) {
        return locks.withLock(instanceId, () -> {
            if (deleted.contains(instanceId)) {
                throw new InstanceDeletedException(instanceId);
            }
            leases.take(instanceId);
            try {
                return snapshots.copy(source, instanceId, runtime.directories().instanceDir(instanceId),
                        SnapshotReason.CLONE);
            } finally {
                leases.release(instanceId);
            }
        });
    }

    /** What {@link #changeData} returned, and the instance after it (running again, stopped or failed). */
    public record Changed<T>(T result, Instance instance) {}

    /**
     * Reads the instance's newest data ({@code read} gets {@code pb_data}, which may not exist for an
     * instance that never ran): a running instance's own directory; otherwise, under its lease in
     * cluster mode, the local copy brought up to date first (the current snapshot restored when this
     * node has none, which then serves its next start as a warm copy).
     */
    public <T> T readData(String instanceId, java.util.function.Function<Path, T> read) {
        return locks.withLock(instanceId, () -> {
            if (deleted.contains(instanceId)) {
                throw new InstanceDeletedException(instanceId);
            }
            leases.checkNotElsewhere(instanceId);
            Path pbData = runtime.directories().pbData(instanceId);
            if (runtime.running(instanceId).isPresent()) {
                return read.apply(pbData);
            }
            NodeLeases.Taken lease = leases.take(instanceId);
            try {
                bringLocalCopyUpToDate(instanceId, pbData, lease, false);
                diskBudget.touched(instanceId);
                return read.apply(pbData);
            } finally {
                releaseIfSaved(instanceId);
            }
        });
    }

    /** Opens an instance's stored secrets into environment variables for its PocketBase. */
    @FunctionalInterface
    public interface SecretOpener {
        java.util.Map<String, String> open(String instanceId, List<StoredSecret> secrets);
    }

    /**
     * Set once at wiring time, before traffic: how each start turns the instance's secrets into its
     * environment. The secrets themselves come with the lease in cluster mode (no extra round trip
     * before the spawn) and from the local database on a single node.
     */
    public void secretOpener(SecretOpener opener) {
        this.secretOpener = opener;
    }

    /**
     * Cluster mode, with the lease just taken: a local copy that does not descend from the current
     * snapshot is stale — another node ran the instance since this copy was last saved or restored.
     * Its own unsaved writes (if PocketBase ran on it after that) are kept as a backup that is not
     * current; then it is discarded, and the start restores the current snapshot.
     */
    private void setAsideIfStale(String instanceId, Path pbData, Optional<Snapshot> current) {
        Optional<String> base = Snapshots.baseOf(pbData);
        if (base.isEmpty()) {
            return; // saved before bases were recorded: trusted, as a single node trusts its copy
        }
        String currentId = current.map(Snapshot::id).orElse(Snapshots.NO_BASE);
        if (currentId.equals(base.get())) {
            return; // this copy is the newest data
        }
        if (!Files.isRegularFile(pbData.resolveSibling(Snapshots.MARKER))) { // it ran since its base
            snapshots.saveAside(instanceId, pbData, "unsaved writes of node " + leases.nodeId() + ", found when "
                    + "another node had run the instance since; restore it to bring these writes back");
        }
        LOG.info("instance {}: local copy descends from {}, but {} is current: restoring that", instanceId,
                base.orElse("nothing"), current.map(Snapshot::id).orElse("nothing"));
        discardLocalCopy(instanceId);
    }

    /**
     * Forces a wake-up's restored copy to disk once PocketBase serves, under the instance's lock (no
     * stop, eviction or delete moves it meanwhile), so the wake-up did not wait for the disk. If this
     * never runs, the next save or the next start of the platform forces it.
     */
    private void settleLater(String instanceId, Path pbData) {
        try {
            blocking.execute(() -> locks.runLocked(instanceId, () -> {
                try {
                    if (Files.isDirectory(pbData)) {
                        Snapshots.settle(pbData);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("instance {}: could not force its restored copy to disk (its next save does): {}",
                            instanceId, e.getMessage());
                }
            }));
        } catch (java.util.concurrent.RejectedExecutionException busy) {
            LOG.warn("instance {}: no thread to force its restored copy to disk now; its next save does", instanceId);
        }
    }

    /**
     * Stops the instance's PocketBase (SIGTERM, then SIGKILL after the grace period) and saves its
     * data as a new snapshot; reported {@code stopped} only once the snapshot is stored.
     */
    public Instance stop(String instanceId) {
        return stop(instanceId, SnapshotReason.STOP);
    }

    /** As {@link #stop(String)}, recording {@code why} with the save (a stop, or the save before a restore). */
    private Instance stop(String instanceId, SnapshotReason why) {
        return locks.withLock(instanceId, () -> {
            if (deleted.contains(instanceId)) {
                throw new InstanceDeletedException(instanceId);
            }
            leases.checkNotElsewhere(instanceId);
            stopping.add(instanceId);
            try {
                store.transition(instanceId, EnumSet.of(InstanceStatus.RUNNING, InstanceStatus.STARTING,
                        InstanceStatus.FAILED), InstanceStatus.STOPPING, null);
                drain(instanceId, Duration.ofSeconds(5));
                runtime.stop(instanceId);
                saveStopped(instanceId, 0, why);
                exitedOnTheirOwn.remove(instanceId); // saved, or a failed save is retried on its own
                releaseIfSaved(instanceId);
            } finally {
                stopping.remove(instanceId);
            }
            return current(instanceId);
        });
    }

    /**
     * New requests are already held ({@code stopping}); lets those PocketBase is serving finish, up to
     * {@code grace} (an open realtime stream would otherwise hold the stop forever: its client
     * reconnects and wakes the instance again).
     */
    private void drain(String instanceId, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (traffic.inFlight(instanceId) > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Saves a stopped instance whose local copy may hold writes its current snapshot lacks; on failure
     * keeps the local copy, marks it failed and retries later. An unchanged copy is not uploaded again:
     * each upload is a new snapshot and retention prunes the oldest, so five stops of a stopped
     * instance used to push all of its backup history out.
     */
    private void saveStopped(String instanceId, int attempt) {
        saveStopped(instanceId, attempt, SnapshotReason.STOP);
    }

    /** As {@link #saveStopped(String, int)}, recording {@code why} with the snapshot (and its retries). */
    private void saveStopped(String instanceId, int attempt, SnapshotReason why) {
        if (deleted.contains(instanceId)) {
            return; // its objects are being deleted: a snapshot now would outlive the instance
        }
        Path pbData = runtime.directories().pbData(instanceId);
        try {
            if (Files.isDirectory(pbData) && runtime.running(instanceId).isEmpty()
                    && snapshots.isDirty(instanceId, pbData)) {
                snapshots.save(instanceId, pbData, why);
                diskBudget.measured(instanceId);
            }
            store.transition(instanceId, EnumSet.of(InstanceStatus.STOPPING, InstanceStatus.FAILED),
                    InstanceStatus.STOPPED, null);
            diskBudget.evictBeyondBudget();
        } catch (dev.picobase.core.snapshot.LeaseLostException lost) {
            // Saved as a backup that is not current; the copy is stale for whoever holds the lease now.
            LOG.warn("{}", lost.getMessage());
            discardLocalCopy(instanceId);
        } catch (RuntimeException e) {
            long delay = Math.min(300, 1L << Math.min(attempt, 8));
            LOG.warn("instance {}: saving failed (attempt {}), local data kept, retrying in {}s: {}",
                    instanceId, attempt + 1, delay, e.getMessage());
            store.transition(instanceId, EnumSet.of(InstanceStatus.STOPPING, InstanceStatus.FAILED),
                    InstanceStatus.FAILED, "saving the data to object storage failed (local copy kept, retrying)");
            timer.schedule(() -> blocking.execute(() -> retrySave(instanceId, attempt + 1, why)), delay,
                    TimeUnit.SECONDS);
        }
    }

    /**
     * Gives the lease up once the local copy is saved, so another node can take the instance at once
     * (a drain, a rolling restart). A copy that failed to save keeps its lease (renewed): another
     * node would start from an older snapshot.
     */
    private void releaseIfSaved(String instanceId) {
        if (!leases.enabled() || runtime.running(instanceId).isPresent()) {
            return;
        }
        Path pbData = runtime.directories().pbData(instanceId);
        if (!Files.isDirectory(pbData) || !snapshots.isDirty(instanceId, pbData)) {
            leases.release(instanceId);
        }
    }

    private void retrySave(String instanceId, int attempt, SnapshotReason why) {
        locks.runLocked(instanceId, () -> {
            Optional<Instance> now = store.findInstance(instanceId);
            if (now.isPresent() && now.get().status() == InstanceStatus.FAILED
                    && runtime.running(instanceId).isEmpty()) {
                saveStopped(instanceId, attempt, why);
                releaseIfSaved(instanceId);
            }
        });
    }

    /**
     * Replaces the instance's data with its snapshot {@code snapshotId} and leaves it {@code stopped}.
     * Whatever the instance's state (running, crashed, or failed to save), a local copy that may hold
     * writes the current snapshot lacks is saved first, as a new snapshot, so a restore never loses
     * an acknowledged write; if that save fails the restore is refused ({@link UnsavedDataException})
     * and the local copy kept. The snapshot is looked up under the instance's lock, and the saves
     * this restore makes never prune it (retention would otherwise delete the oldest snapshot just as
     * it is being restored).
     *
     * @throws java.util.NoSuchElementException when the instance has no such snapshot (any more)
     */
    public Instance restore(String instanceId, String snapshotId) {
        return locks.withLock(instanceId, () -> {
            if (deleted.contains(instanceId)) {
                throw new InstanceDeletedException(instanceId);
            }
            Snapshot snapshot = snapshots.list(instanceId).stream().filter(s -> s.id().equals(snapshotId))
                    .findFirst().orElseThrow(() -> new java.util.NoSuchElementException(
                            "no snapshot " + snapshotId + " of this instance"));
            try (Snapshots.Pin pin = snapshots.pin(snapshot.id())) {
                Path pbData = runtime.directories().pbData(instanceId);
                if (runtime.running(instanceId).isPresent()) {
                    stop(instanceId, SnapshotReason.BEFORE_RESTORE); // a failed save leaves the copy dirty: refused below
                }
                // Cluster mode: the pointer moves below only under the lease (refused if another node runs it).
                leases.take(instanceId);
                if (Files.isDirectory(pbData) && snapshots.isDirty(instanceId, pbData)) {
                    try {
                        snapshots.save(instanceId, pbData, SnapshotReason.BEFORE_RESTORE);
                    } catch (RuntimeException e) {
                        LOG.warn("instance {}: restore refused, the current data could not be saved: {}",
                                instanceId, e.toString());
                        throw new UnsavedDataException("the instance's current data could not be saved, so it "
                                + "was not replaced (its local copy is kept and saving is retried); try again "
                                + "shortly", e);
                    }
                }
                snapshots.restore(snapshot, pbData);
                exitedOnTheirOwn.remove(instanceId); // its local copy is now the snapshot: nothing to save
                if (leases.enabled()) {
                    if (!leases.movePointer(instanceId, snapshot.id())) {
                        throw new dev.picobase.core.snapshot.LeaseLostException("instance " + instanceId
                                + ": another node took it during the restore; nothing was made current");
                    }
                    leases.release(instanceId); // restored and saved: any node may start it
                } else {
                    store.pointToSnapshot(instanceId, snapshot.id());
                }
                store.noteSnapshot(snapshot.id(), null); // current now: a note on why it was not no longer applies
                // A crashed instance or a failed save was `failed`; its data is now safe and replaced.
                store.transition(instanceId, EnumSet.of(InstanceStatus.FAILED, InstanceStatus.STOPPING),
                        InstanceStatus.STOPPED, null);
                diskBudget.measured(instanceId);
                return current(instanceId);
            }
        });
    }

    public List<Snapshot> snapshots(String instanceId) {
        return snapshots.list(instanceId);
    }

    /**
     * Takes a backup now ("back up now"), with reason {@code manual}, and returns it; always a new
     * snapshot, made current (it holds the newest data). A running instance is copied online while it
     * keeps serving (SQLite's online backup), so a write acknowledged before this call is in it. A
     * stopped instance with unsaved writes (a save that failed) is saved; otherwise its data is its
     * current snapshot, which is stored again as the new backup. In cluster mode it acts under the
     * instance's lease: on a running instance only the node running it can
     * ({@link InstanceElsewhereException} names it), and the lease a stopped instance's backup takes
     * is given back after.
     *
     * @throws java.util.NoSuchElementException when the instance never ran (there is nothing to back up)
     * @throws InstanceDeletedException when it was deleted meanwhile
     */
    public Snapshot backUp(String instanceId) {
        // One at a time per instance: a click repeated while a copy uploads is refused at once instead
        // of waiting for the instance's lock on a control-API thread (a tenant could hold them all).
        if (!manualBackups.add(instanceId)) {
            throw new HoldLimitException("a backup of this instance is being taken; try again shortly");
        }
        try {
            return backUpLocked(instanceId);
        } finally {
            manualBackups.remove(instanceId);
        }
    }

    private Snapshot backUpLocked(String instanceId) {
        return locks.withLock(instanceId, () -> {
            if (deleted.contains(instanceId)) {
                throw new InstanceDeletedException(instanceId);
            }
            leases.checkNotElsewhere(instanceId);
            Path pbData = runtime.directories().pbData(instanceId);
            Optional<PocketBaseProcess> running = runtime.running(instanceId);
            if (running.isPresent() && running.get().isAlive() && leases.valid(instanceId)) {
                return snapshots.backUpRunning(instanceId, pbData);
            }
            if (runtime.running(instanceId).isPresent()) {
                // Exited, or its lease lapsed: not safe to copy as current; the owner tries again shortly.
                throw new IllegalStateException("the instance is changing state; try again shortly");
            }
            NodeLeases.Taken lease = leases.take(instanceId); // cluster mode: the pointer moves under it
            try {
                if (leases.enabled() && Files.isDirectory(pbData)) {
                    setAsideIfStale(instanceId, pbData, lease.current());
                }
                if (Files.isDirectory(pbData) && snapshots.isDirty(instanceId, pbData)) {
                    Snapshot saved = snapshots.save(instanceId, pbData, SnapshotReason.MANUAL);
                    diskBudget.measured(instanceId);
                    store.transition(instanceId, EnumSet.of(InstanceStatus.FAILED), InstanceStatus.STOPPED, null);
                    return saved;
                }
                return snapshots.backUpCurrent(instanceId, runtime.directories().instanceDir(instanceId));
            } finally {
                releaseIfSaved(instanceId);
            }
        });
    }

    /** {@code snapshot}'s archive, for a download (any node: the object store is shared); empty if pruned. */
    public Optional<dev.picobase.core.storage.StoredObject> open(Snapshot snapshot) {
        return snapshots.open(snapshot);
    }

    /** Sets (or, with empty, clears) the instance's own idle timeout. */
    public void idleTimeout(String instanceId, Optional<Duration> timeout) {
        idleReaper.idleTimeout(instanceId, timeout);
    }

    /**
     * Deletes the instance for good: its process, its objects (snapshots), its row (with its keys and
     * snapshot rows) and its directory, in that order, under the instance's lock. A tombstone set
     * first makes every later wake fail with {@link InstanceDeletedException} and every save a no-op,
     * so a request that raced with the delete neither restarts PocketBase on the data being removed
     * nor leaves a snapshot behind. The caller removes the route and the cached keys before calling
     * this, so no new request reaches the instance. A delete that fails part-way can be repeated; a
     * crash after the row is gone leaves the directory marked, and it is removed at the next start.
     *
     * @return false if there was no such instance
     */
    public boolean delete(String instanceId) {
        return deleteLocally(instanceId, () -> {
            snapshots.deleteAll(instanceId);
            return store.deleteInstance(instanceId);
        });
    }

    /**
     * Cluster mode: another node deleted the instance (its row, keys and objects are gone). This node
     * stops any PocketBase of it and removes its local copy, under the same tombstone as a delete, so
     * nothing here restarts it or uploads a snapshot for it.
     */
    public void deletedElsewhere(String instanceId) {
        deleteLocally(instanceId, () -> true);
    }

    /** A delete's local part around {@code shared} (the objects and the row, when this node deletes). */
    private boolean deleteLocally(String instanceId, java.util.function.Supplier<Boolean> shared) {
        deleted.add(instanceId);
        return locks.withLock(instanceId, () -> {
            stopping.add(instanceId);
            try {
                runtime.stop(instanceId);
                Path instanceDir = runtime.directories().instanceDir(instanceId);
                if (Files.isDirectory(instanceDir)) {
                    Files.writeString(instanceDir.resolve(CrashRecovery.DELETING), "");
                }
                exitedOnTheirOwn.remove(instanceId);
                diskBudget.removed(instanceId);
                idleReaper.forget(instanceId);
                leases.forget(instanceId);
                boolean found = shared.get();
                FileTrees.delete(instanceDir);
                traffic.forget(instanceId);
                return found;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the data of " + instanceId + ": " + e.getMessage(), e);
            } finally {
                stopping.remove(instanceId);
            }
        });
    }

    public List<String> logs(String instanceId, int max) {
        return runtime.logs(instanceId, max);
    }

    public Optional<PocketBaseProcess> running(String instanceId) {
        return runtime.running(instanceId);
    }

    /** The instances running on this node now (usage: their awake time). */
    public java.util.Set<String> runningHere() {
        return runtime.runningIds();
    }

    /**
     * A PocketBase exited without our asking. During shutdown that is a service manager stopping
     * every process of the service (systemd's default {@code KillMode=control-group}), not a
     * failure: the instance is saved with the others by {@link #close}. A clean exit or death by
     * SIGTERM, SIGINT or SIGHUP is most often exactly that, signalled a moment before this JVM starts
     * its own shutdown, so such an exit is judged after {@link #EXTERNAL_STOP_SETTLE}; anything else
     * (a crash, an OOM kill, {@code kill -9}) marks the instance {@code failed} at once.
     */
    private void exitedUnexpectedly(String instanceId, int exitCode, String reason) {
        exitedOnTheirOwn.add(instanceId);
        if (shuttingDown()) {
            LOG.info("instance {}: PocketBase exited during shutdown ({}); saving it as at a stop", instanceId,
                    ProcessExit.describe(exitCode));
            return;
        }
        if (!askedToStop(exitCode)) {
            markFailed(instanceId, reason);
            return;
        }
        try {
            timer.schedule(() -> markFailed(instanceId, reason), EXTERNAL_STOP_SETTLE.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shutDown) {
            // close() has begun: it saves the instance
        }
    }

    private void markFailed(String instanceId, String reason) {
        if (shuttingDown()) {
            LOG.info("instance {}: PocketBase exited during shutdown; saving it as at a stop", instanceId);
            return;
        }
        if (runtime.running(instanceId).isPresent()) {
            return; // started again meanwhile: the exit no longer describes it
        }
        Runnable mark = () -> locks.runLocked(instanceId, () -> {
            // Judged under the lock: a request may have started the instance again since it exited,
            // and its wake holds the lock until the instance is `running` with a new process.
            if (runtime.running(instanceId).isPresent() || deleted.contains(instanceId) || shuttingDown()) {
                return;
            }
            LOG.warn("instance {}: {}", instanceId, reason);
            store.transition(instanceId, EnumSet.of(InstanceStatus.RUNNING, InstanceStatus.STARTING),
                    InstanceStatus.FAILED, reason);
        });
        try {
            blocking.execute(mark);
        } catch (java.util.concurrent.RejectedExecutionException busy) {
            try {
                timer.schedule(() -> blocking.execute(mark), 1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException shutDown) {
                // close() has begun: it saves the instance
            }
        }
    }

    /** Exit code 0 or death by SIGHUP, SIGINT or SIGTERM: PocketBase was asked to stop, by someone. */
    private static boolean askedToStop(int exitCode) {
        return exitCode == 0 || exitCode == 128 + 1 || exitCode == 128 + 2 || exitCode == 128 + 15;
    }

    /** Whether {@link #close} has begun, or the JVM is running its shutdown hooks (a signal arrived). */
    private boolean shuttingDown() {
        if (shuttingDown) {
            return true;
        }
        // Documented: adding a hook once the JVM's shutdown has begun throws IllegalStateException.
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /**
     * Called first when the platform shuts down, before its ports drain: from now on no instance is
     * started, and a PocketBase that exits is saved by {@link #close}, not marked failed.
     */
    public void beginShutdown() {
        shuttingDown = true;
    }

    private Instance current(String instanceId) {
        return store.findInstance(instanceId).orElseThrow(() ->
                new IllegalStateException("instance " + instanceId + " disappeared"));
    }

    private static InetSocketAddress address(PocketBaseProcess p) {
        return new InetSocketAddress("127.0.0.1", p.port());
    }

    /**
     * Saves and stops every running instance (platform shutdown), and saves every instance whose
     * PocketBase exited on its own since it last started (signalled with the rest of the service, or
     * crashed: its local copy is what the next start's recovery would save, and the disk may not
     * survive until then).
     */
    @Override
    public void close() {
        beginShutdown();
        timer.shutdownNow();
        java.util.Set<String> toSave = new java.util.TreeSet<>(exitedOnTheirOwn);
        store.listAllInstances().stream().map(Instance::id)
                .filter(id -> runtime.running(id).isPresent()).forEach(toSave::add);
        toSave.parallelStream().forEach(id -> {
            try {
                stop(id);
            } catch (RuntimeException e) {
                LOG.warn("could not save {} at shutdown (its local copy is kept): {}", id, e.getMessage());
            }
        });
        runtime.close();
    }
}
