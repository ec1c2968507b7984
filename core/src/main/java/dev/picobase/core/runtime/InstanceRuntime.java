package dev.picobase.core.runtime;

import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.process.InstanceLog;
import dev.picobase.core.process.PidFile;
import dev.picobase.core.process.PocketBaseBinary;
import dev.picobase.core.process.PocketBaseProcess;
import dev.picobase.core.process.PortAllocator;
import dev.picobase.core.process.ProcessExit;
import dev.picobase.core.process.StopOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PocketBase processes of this node, by instance id. {@link #start} is idempotent and
 * returns once the instance is healthy: the first caller for an instance launches the process
 * and every concurrent caller waits on the same future, so concurrent starts launch exactly one
 * process. An instance's data lives in {@code <dataDir>/instances/<id>/pb_data}
 * ({@link InstanceDirectories}); its output stays readable through {@link #logs} after it stopped.
 *
 * <p>When a process exits without {@link #stop} (crash, OOM kill, {@code kill -9}), the runtime
 * forgets it, releases its port and then calls the {@link UnexpectedExitListener}, whose owner
 * marks the instance {@code failed} with the reason. This class does no lifecycle bookkeeping
 * beyond that: restoring data before a start and saving it after a stop, and keeping a stop from
 * racing a start of the same instance, belong to the caller (a stop during a start waits for the
 * start and then stops it).
 *
 * <p>Threading: thread-safe. {@link #start}, {@link #stop}, {@link #stopAll} and {@link #close}
 * block on process start-up (tens of milliseconds, at most the boot timeout) and shutdown (at
 * most the grace period), so callers run them on a bounded blocking executor, never a Netty event
 * loop. {@link #running} and {@link #logs} of a running instance do not block; {@link #logs} of a
 * stopped one reads its log file.
 */
public final class InstanceRuntime implements AutoCloseable {
    public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(InstanceRuntime.class);
    private static final int START_ATTEMPTS = 3;
    private static final int STOP_ALL_PARALLELISM = 16;

    private final Path binary;
    private final InstanceDirectories dirs;
    private final PortAllocator ports;
    private final Duration bootTimeout;
    private final Duration stopGrace;
    private final UnexpectedExitListener listener;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** One instance's current process, from the first start call until its exit is handled. */
    private static final class Entry {
        final CompletableFuture<PocketBaseProcess> ready = new CompletableFuture<>();
        final CompletableFuture<Void> gone = new CompletableFuture<>();
        final AtomicBoolean cleaned = new AtomicBoolean();
        volatile InstanceLog log;
        volatile boolean stopping;
    }

    public InstanceRuntime(Path binary, InstanceDirectories dirs, PortAllocator ports,
            Duration bootTimeout, Duration stopGrace, UnexpectedExitListener listener) {
        this.binary = binary.toAbsolutePath();
        this.dirs = dirs;
        this.ports = ports;
        this.bootTimeout = bootTimeout;
        this.stopGrace = stopGrace;
        this.listener = listener;
    }

    /** Resolves (and if needed installs) the PocketBase binary: blocking, call at start-up. */
    public static InstanceRuntime create(PicoBaseConfig config, UnexpectedExitListener listener) {
        return new InstanceRuntime(PocketBaseBinary.resolve(config.pocketbaseBinary(), config.dataDir()),
                new InstanceDirectories(config.dataDir()), new PortAllocator(config.instancesBasePort()),
                DEFAULT_BOOT_TIMEOUT, DEFAULT_STOP_GRACE, listener);
    }

    public InstanceDirectories directories() {
        return dirs;
    }

    /**
     * Stops a PocketBase left serving this instance's data by an earlier PicoBase that crashed
     * (SIGTERM, so it checkpoints its WAL; SIGKILL after 5 s). Blocking; call before touching the
     * instance's files at recovery.
     */
    public void stopStray(String instanceId) {
        if (running(instanceId).isEmpty()) {
            Path instanceDir = dirs.instanceDir(instanceId).toAbsolutePath();
            new PidFile(instanceDir).stopStray(PocketBaseProcess.dirArgument(instanceDir));
        }
    }

    /** {@link #start(String, java.util.Map)} with no environment variables of the instance's own. */
    public PocketBaseProcess start(String instanceId) {
        return start(instanceId, java.util.Map.of());
    }

    /**
     * Starts the instance's PocketBase, or returns the process already running it, once healthy. A new
     * process gets {@code env} (the instance's secrets) in its environment.
     *
     * @throws InstanceStartException if PocketBase did not become healthy (the message quotes its output)
     */
    public PocketBaseProcess start(String instanceId, java.util.Map<String, String> env) {
        dirs.instanceDir(instanceId); // rejects a bad id before anything is registered
        while (true) {
            if (closed) {
                throw new IllegalStateException("the instance runtime is shut down");
            }
            Entry fresh = new Entry();
            Entry current = entries.putIfAbsent(instanceId, fresh);
            if (current == null) {
                return launch(instanceId, fresh, env);
            }
            if (current.stopping) {
                await(current.gone); // then start anew
                continue;
            }
            try {
                return await(current.ready);
            } catch (InstanceStartException e) {
                // The launch we waited on failed; say so from this caller's point of view too.
                throw new InstanceStartException(instanceId, e.getMessage(), false, e, e.tenantDetail().orElse(null));
            }
        }
    }

    private PocketBaseProcess launch(String instanceId, Entry entry, java.util.Map<String, String> env) {
        try {
            entry.log = InstanceLog.open(dirs.logFile(instanceId));
            PocketBaseProcess process = launchOnFreePort(instanceId, entry.log, env);
            process.exited().thenAccept(exit -> exited(instanceId, entry, process, exit));
            entry.ready.complete(process);
            return process;
        } catch (RuntimeException e) {
            entries.remove(instanceId, entry);
            if (entry.log != null) {
                entry.log.close();
            }
            entry.ready.completeExceptionally(e);
            entry.gone.complete(null);
            throw e;
        }
    }

    private PocketBaseProcess launchOnFreePort(String instanceId, InstanceLog log, java.util.Map<String, String> env) {
        // A port someone took under us stays leased until we are done, so the retry gets another.
        List<Integer> taken = new ArrayList<>();
        try {
            for (int attempt = 1; ; attempt++) {
                int port = ports.allocate();
                try {
                    return PocketBaseProcess.start(instanceId, binary, dirs.instanceDir(instanceId), port, log,
                            bootTimeout, env);
                } catch (InstanceStartException e) {
                    if (!e.portConflict() || attempt == START_ATTEMPTS) {
                        ports.release(port);
                        throw e;
                    }
                    taken.add(port);
                    LOG.warn("instance {}: port {} was taken before PocketBase could bind it, trying another",
                            instanceId, port);
                } catch (RuntimeException e) {
                    ports.release(port);
                    throw e;
                }
            }
        } finally {
            taken.forEach(ports::release);
        }
    }

    private void exited(String instanceId, Entry entry, PocketBaseProcess process, ProcessExit exit) {
        try {
            if (entry.cleaned.compareAndSet(false, true)) {
                entries.remove(instanceId, entry);
                ports.release(process.port());
                entry.log.close();
            }
            if (exit.unexpected()) {
                try {
                    listener.exited(instanceId, exit.exitCode(), exit.reason());
                } catch (RuntimeException e) {
                    LOG.error("instance {}: the unexpected-exit listener failed", instanceId, e);
                }
            }
        } finally {
            entry.gone.complete(null);
        }
    }

    /**
     * Stops the instance's PocketBase (SIGTERM, SIGKILL after the grace period) and returns once it
     * has exited and its port is free.
     */
    public StopOutcome stop(String instanceId) {
        Entry entry = entries.get(instanceId);
        if (entry == null) {
            return StopOutcome.NOT_RUNNING;
        }
        entry.stopping = true;
        PocketBaseProcess process;
        try {
            process = await(entry.ready);
        } catch (RuntimeException e) {
            return StopOutcome.NOT_RUNNING; // its start failed
        }
        StopOutcome outcome = process.stop(stopGrace);
        await(entry.gone);
        return outcome;
    }

    /**
     * Stops every instance, up to 16 at a time, waiting at most about
     * the boot timeout plus the grace period; used at shutdown.
     */
    public void stopAll() {
        List<String> ids = new ArrayList<>(entries.keySet());
        if (ids.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(ids.size(), STOP_ALL_PARALLELISM), r -> {
            Thread t = new Thread(r, "pocketbase-stop");
            t.setDaemon(true);
            return t;
        });
        try {
            CompletableFuture<?>[] stops = ids.stream()
                    .map(id -> CompletableFuture.runAsync(() -> stop(id), pool))
                    .toArray(CompletableFuture[]::new);
            Duration bound = bootTimeout.plus(stopGrace).plusSeconds(15);
            CompletableFuture.allOf(stops).get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("not every PocketBase process stopped cleanly: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Refuses further starts and stops everything. */
    @Override
    public void close() {
        closed = true;
        stopAll();
    }

    /** The instance's process if it is running and healthy (not while starting or stopping). */
    public Optional<PocketBaseProcess> running(String instanceId) {
        Entry entry = entries.get(instanceId);
        if (entry == null || entry.stopping) {
            return Optional.empty();
        }
        return Optional.ofNullable(entry.ready.getNow(null)).filter(PocketBaseProcess::isAlive);
    }

    /**
     * Keeps each running instance's log under its cap ({@link InstanceLog#enforceCap}): PocketBase
     * appends to the file itself, so someone must look. Called every second; a few file sizes read.
     */
    public void enforceLogCaps() {
        for (Entry entry : entries.values()) {
            InstanceLog log = entry.log;
            if (log != null) {
                log.enforceCap();
            }
        }
    }

    /** The instances whose PocketBase runs here now (started and healthy, not stopping). */
    public java.util.Set<String> runningIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        entries.forEach((id, entry) -> {
            if (running(id).isPresent()) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** The last {@code max} lines PocketBase printed for this instance, also after it stopped. */
    public List<String> logs(String instanceId, int max) {
        Entry entry = entries.get(instanceId);
        InstanceLog log = entry == null ? null : entry.log;
        return log != null ? log.recent(max) : InstanceLog.readRecent(dirs.logFile(instanceId), max);
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a PocketBase process", e);
        }
    }
}
