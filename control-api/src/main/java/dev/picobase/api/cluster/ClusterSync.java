package dev.picobase.api.cluster;

import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.MetadataStore.ClusterEvent;
import dev.picobase.proxy.Gateway;
import dev.picobase.proxy.RateLimits;
import dev.picobase.proxy.routing.RouteTable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's route table and key cache in step with changes made through other nodes
 * (cluster mode): every half second it reads the metadata database's log of changes (written by
 * triggers in the statement that made them) and applies what is new. An instance created elsewhere
 * is routed here; one deleted elsewhere loses its route, and any PocketBase or local copy of it here
 * goes; a custom domain verified, failed or removed elsewhere is looked up again; a key deleted
 * elsewhere, or of an account suspended elsewhere, loses its cached verdicts and its open streams
 * here (and a reactivated account's keys are taken back); an instance's rate limit changed
 * elsewhere is read again and counted by here. Changes made
 * through this node come back too, and applying them again changes nothing.
 *
 * <p>Threading: one daemon thread of its own (each poll is one database read).
 */
public final class ClusterSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSync.class);
    static final Duration EVERY = Duration.ofMillis(500);
    private static final int BATCH = 1000;
    /** Old changes are dropped: every node read them long ago. */
    private static final Duration KEEP = Duration.ofHours(1);

    private final MetadataStore store;
    private final RouteTable routes;
    private final Gateway gateway;
    private final InstanceLifecycle lifecycle;
    private final RateLimits rateLimits;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("cluster-sync"));
    private long last;
    private long polls;

    private ClusterSync(MetadataStore store, RouteTable routes, Gateway gateway, InstanceLifecycle lifecycle,
                        RateLimits rateLimits) {
        this.rateLimits = rateLimits;
        this.store = store;
        this.routes = routes;
        this.gateway = gateway;
        this.lifecycle = lifecycle;
    }

    /** Starts reading the changes made from now on. */
    public static ClusterSync start(MetadataStore store, RouteTable routes, Gateway gateway,
                                    InstanceLifecycle lifecycle, RateLimits rateLimits) {
        ClusterSync sync = new ClusterSync(store, routes, gateway, lifecycle, rateLimits);
        sync.last = store.lastClusterEvent();
        sync.thread.scheduleWithFixedDelay(sync::poll, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return sync;
    }

    private void poll() {
        try {
            List<ClusterEvent> events;
            do {
                events = store.clusterEventsAfter(last, BATCH);
                for (ClusterEvent e : events) {
                    apply(e);
                    last = e.id();
                }
            } while (events.size() == BATCH);
            if (++polls % (Duration.ofMinutes(10).toMillis() / EVERY.toMillis()) == 0) {
                store.pruneClusterEvents(KEEP);
            }
        } catch (RuntimeException e) {
            LOG.warn("reading the cluster's changes failed (trying again): {}", e.getMessage());
        }
    }

    private void apply(ClusterEvent e) {
        switch (e.kind()) {
            case "instance_created" -> routes.put(e.subdomain(), e.instanceId());
            case "instance_deleted" -> {
                routes.remove(e.subdomain(), e.instanceId());
                rateLimits.remove(e.instanceId());
                lifecycle.deletedElsewhere(e.instanceId());
            }
            case "key_deleted", "key_suspended" -> gateway.revokeKey(e.keyId());
            case "key_reinstated" -> gateway.reinstateKey(e.keyId());
            case "rate_limit_changed" -> store.findInstance(e.instanceId())
                    .ifPresent(i -> rateLimits.set(i.id(), i.rateLimit()));
            case "domain_changed" -> routes.forgetDomain(e.subdomain()); // the hostname
            default -> LOG.debug("cluster change {} of an unknown kind {}", e.id(), e.kind());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
