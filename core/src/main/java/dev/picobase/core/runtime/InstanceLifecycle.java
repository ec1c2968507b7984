package dev.picobase.core.runtime;

import dev.picobase.core.io.FileTrees;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.store.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
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
 * <p>Threading: {@link #start}, {@link #stop} and {@link #delete} block (database, process work);
 * call them on a blocking executor. {@link #ensureRunning} never blocks its caller: it completes at
 * once for a running instance and otherwise starts it on {@code blocking}.
 */
public final class InstanceLifecycle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceLifecycle.class);
    private static final EnumSet<InstanceStatus> STARTABLE = EnumSet.of(InstanceStatus.STOPPED, InstanceStatus.FAILED);

    private final MetadataStore store;
    private final InstanceRuntime runtime;
    private final Executor blocking;

    /** Builds the runtime itself so that its exit reports come back here. */
    public InstanceLifecycle(MetadataStore store, RuntimeFactory runtimeFactory, Executor blocking) {
        this.store = store;
        this.blocking = blocking;
        this.runtime = runtimeFactory.create(this::exitedUnexpectedly);
    }

    /** Creates the runtime given the listener it must report unexpected exits to. */
    @FunctionalInterface
    public interface RuntimeFactory {
        InstanceRuntime create(UnexpectedExitListener listener);
    }

    /**
     * At start-up: no PocketBase of ours runs yet, so statuses a previous run left behind
     * ({@code running}, {@code starting}, {@code stopping}) are reset to {@code stopped}.
     */
    public void reconcile() {
        for (Instance i : store.listAllInstances()) {
            if (i.status() != InstanceStatus.STOPPED && i.status() != InstanceStatus.FAILED
                    && runtime.running(i.id()).isEmpty()) {
                store.transition(i.id(), EnumSet.of(i.status()), InstanceStatus.STOPPED, null);
            }
        }
    }

    /** The running instance's loopback address, starting it first if needed. */
    public CompletableFuture<InetSocketAddress> ensureRunning(String instanceId) {
        Optional<PocketBaseProcess> running = runtime.running(instanceId);
        if (running.isPresent() && running.get().isAlive()) {
            return CompletableFuture.completedFuture(address(running.get()));
        }
        return CompletableFuture.supplyAsync(() -> address(startProcess(instanceId)), blocking);
    }

    /** Starts the instance and returns it {@code running}; throws {@link InstanceStartException} on failure. */
    public Instance start(String instanceId) {
        startProcess(instanceId);
        return current(instanceId);
    }

    private PocketBaseProcess startProcess(String instanceId) {
        store.transition(instanceId, STARTABLE, InstanceStatus.STARTING, null);
        try {
            PocketBaseProcess process = runtime.start(instanceId);
            store.transition(instanceId, EnumSet.of(InstanceStatus.STARTING, InstanceStatus.STOPPED,
                    InstanceStatus.FAILED), InstanceStatus.RUNNING, null);
            return process;
        } catch (RuntimeException e) {
            store.transition(instanceId, EnumSet.of(InstanceStatus.STARTING), InstanceStatus.FAILED, e.getMessage());
            throw e;
        }
    }

    /** Stops the instance's PocketBase (SIGTERM, then SIGKILL after the grace period). */
    public Instance stop(String instanceId) {
        store.transition(instanceId, EnumSet.of(InstanceStatus.RUNNING, InstanceStatus.STARTING,
                InstanceStatus.FAILED), InstanceStatus.STOPPING, null);
        runtime.stop(instanceId);
        store.transition(instanceId, EnumSet.of(InstanceStatus.STOPPING), InstanceStatus.STOPPED, null);
        return current(instanceId);
    }

    /** Stops the instance and deletes its local data and its row (with its keys). */
    public boolean delete(String instanceId) {
        runtime.stop(instanceId);
        boolean deleted = store.deleteInstance(instanceId);
        try {
            FileTrees.delete(runtime.directories().instanceDir(instanceId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the data of " + instanceId, e);
        }
        return deleted;
    }

    public List<String> logs(String instanceId, int max) {
        return runtime.logs(instanceId, max);
    }

    public Optional<PocketBaseProcess> running(String instanceId) {
        return runtime.running(instanceId);
    }

    private void exitedUnexpectedly(String instanceId, int exitCode, String reason) {
        LOG.warn("instance {}: {}", instanceId, reason);
        blocking.execute(() -> store.transition(instanceId, EnumSet.of(InstanceStatus.RUNNING, InstanceStatus.STARTING),
                InstanceStatus.FAILED, reason));
    }

    private Instance current(String instanceId) {
        return store.findInstance(instanceId).orElseThrow(() ->
                new IllegalStateException("instance " + instanceId + " disappeared"));
    }

    private static InetSocketAddress address(PocketBaseProcess p) {
        return new InetSocketAddress("127.0.0.1", p.port());
    }

    /** Stops every running instance and marks it stopped (platform shutdown). */
    @Override
    public void close() {
        List<String> running = store.listAllInstances().stream().map(Instance::id)
                .filter(id -> runtime.running(id).isPresent()).toList();
        runtime.close();
        for (String id : running) {
            store.transition(id, EnumSet.of(InstanceStatus.RUNNING, InstanceStatus.STARTING, InstanceStatus.STOPPING),
                    InstanceStatus.STOPPED, null);
        }
    }
}
