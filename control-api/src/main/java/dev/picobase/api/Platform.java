package dev.picobase.api;

import dev.picobase.api.cluster.ClusterSync;
import dev.picobase.api.cluster.NodeAddresses;
import dev.picobase.api.cluster.NodeBackends;
import dev.picobase.api.cluster.OwnerCalls;
import dev.picobase.api.metrics.ManagementServer;
import dev.picobase.api.metrics.PlatformMetrics;
import dev.picobase.api.operator.OperatorRoutes;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.backup.MetadataBackupSchedule;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.StoredSecret;
import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.runtime.InstanceElsewhereException;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.runtime.NodeLeases;
import dev.picobase.core.runtime.InstanceRuntime;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.snapshot.Snapshots;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqlBackend;
import dev.picobase.core.store.UsageRecorder;
import dev.picobase.proxy.RateLimits;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.Gateway;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Everything {@code ./picobase up} runs, wired in one process: the metadata store, the instance
 * lifecycle (PocketBase processes), the gateway and the control API. The control API's events keep
 * the gateway's route table and key cache current at once.
 *
 * <p>Executors: key checks (bcrypt, one indexed read) and instance starts (process work, waits for
 * health) each have their own bounded pool, so a flood of one never starves the other, and neither
 * ever runs on an event loop.
 *
 * <p>Metrics: one {@link PlatformMetrics} registry for the whole process, served by a
 * {@link ManagementServer} on the management port only, with the operators' JSON routes
 * ({@link OperatorRoutes}: {@code /status}, {@code /instances}, {@code /logs}, {@code /cluster}).
 */
public final class Platform implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Platform.class);

    private final MetadataStore store;
    private final ThreadPoolExecutor keyChecks;
    private final ThreadPoolExecutor instanceWork;
    private final InstanceLifecycle lifecycle;
    private final ApiKeyVerifier keys;
    private final Gateway gateway;
    private final ControlApiServer api;
    private final UsageRecorder usage;
    private final ScheduledExecutorService usageFlush;
    private final PlatformMetrics metrics;
    private final ManagementServer management;
    /** Cluster mode: applies route and key changes made through other nodes; null on a single node. */
    private final ClusterSync clusterSync;
    private final dev.picobase.api.domains.DomainChecks domainChecks;
    /** Backups of the embedded metadata database (skipped with a libSQL server). */
    private final MetadataBackupSchedule metadataBackups;

    private Platform(MetadataStore store, ThreadPoolExecutor keyChecks, ThreadPoolExecutor instanceWork,
                     InstanceLifecycle lifecycle, ApiKeyVerifier keys, Gateway gateway, ControlApiServer api,
                     UsageRecorder usage, ScheduledExecutorService usageFlush, PlatformMetrics metrics,
                     ManagementServer management, ClusterSync clusterSync, MetadataBackupSchedule metadataBackups,
                     dev.picobase.api.domains.DomainChecks domainChecks) {
        this.clusterSync = clusterSync;
        this.domainChecks = domainChecks;
        this.metadataBackups = metadataBackups;
        this.metrics = metrics;
        this.management = management;
        this.usage = usage;
        this.usageFlush = usageFlush;
        this.store = store;
        this.keyChecks = keyChecks;
        this.instanceWork = instanceWork;
        this.lifecycle = lifecycle;
        this.keys = keys;
        this.gateway = gateway;
        this.api = api;
    }

    /**
     * Checks the bind addresses and that object storage is writable, opens the store (migrating
     * it), installs PocketBase if needed, and binds the ports. What the user must fix (an address,
     * a port in use, the bucket) is a {@link dev.picobase.config.ConfigException} naming the
     * setting; whatever had started by then is stopped again first.
     */
    public static Platform start(PicoBaseConfig config, Clock clock) throws InterruptedException {
        StartupChecks.resolvable("PICOBASE_BIND_ADDRESS", config.bindAddress());
        StartupChecks.resolvable("PICOBASE_MANAGEMENT_BIND_ADDRESS", config.managementBindAddress());
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            return start(config, clock, started);
        } catch (Throwable t) {
            while (!started.isEmpty()) {
                try {
                    started.pop().close();
                } catch (Exception e) {
                    t.addSuppressed(e);
                }
            }
            throw t;
        }
    }

    private static Platform start(PicoBaseConfig config, Clock clock, Deque<AutoCloseable> started)
            throws InterruptedException {
        java.time.Instant startedAt = clock.instant();
        PlatformMetrics metrics = new PlatformMetrics();
        started.push(metrics::close);
        // The gateway's warm-up runs while the rest starts (storage check, store, reconcile, routes: round
        // trips to R2 and Turso among them); the gateway's port opens once it is over.
        java.util.concurrent.CompletableFuture<Integer> gatewayWarmup = Gateway.warmUpInBackground(config.gateway(),
                new HostNames(config.baseDomain()), metrics);
        // Before anything else: a missing bucket used to show only when the first save failed.
        ObjectStore objects = ObjectStore.of(config.objectStorage());
        started.push(objects);
        objects.checkWritable();
        MetadataStore store = MetadataStore.open(SqlBackend.of(config.metadata()), clock);
        started.push(store);
        store.deleteExpiredSessions();
        ThreadPoolExecutor keyChecks = bounded("key-checks", Math.max(2, Runtime.getRuntime().availableProcessors()),
                10_000);
        started.push(keyChecks::shutdownNow);
        ThreadPoolExecutor instanceWork = bounded("instance-work", 32, 10_000);
        started.push(instanceWork::shutdownNow);
        // A shared (libSQL/Turso) metadata database may have other nodes: instances run under leases.
        // The embedded SQLite file is this node's alone: nothing changes for a single node.
        NodeLeases leases = config.metadata().isLibsql()
                ? NodeLeases.cluster(store, config.cluster().nodeId(), config.cluster().leaseTtl())
                : NodeLeases.single();
        InstanceLifecycle lifecycle = new InstanceLifecycle(store,
                listener -> InstanceRuntime.create(config, listener),
                new Snapshots(store, objects, config.snapshotRetention(), clock, metrics), instanceWork, config.idleTimeout(),
                config.holdMaxRequests(), config.holdTimeout(), config.snapshotInterval(), config.diskBudgetBytes(),
                leases, config.cluster().leaseRenewInterval());
        started.push(lifecycle::close);
        // Each instance's secrets, decrypted at each start of its PocketBase, into its environment only.
        dev.picobase.core.secret.SecretBox secrets = dev.picobase.core.secret.SecretBox.load(
                config.deploy().secretsKey(), config.dataDir());
        lifecycle.secretOpener((id, stored) -> {
            java.util.Map<String, String> env = new java.util.HashMap<>();
            for (StoredSecret s : stored) {
                env.put(s.name(), secrets.decrypt(id, s.name(), s.encryptedValue()));
            }
            return env;
        });
        lifecycle.onColdStart(metrics);
        lifecycle.reconcile();

        RouteTable routes = new RouteTable(store, keyChecks, Duration.ofSeconds(2));
        HostNames hostNames = new HostNames(config.baseDomain());
        routes.loadAll();
        UsageRecorder usage = new UsageRecorder(store, clock);
        usage.runningInstances(lifecycle::runningHere);
        metrics.usage(usage);
        RateLimits rateLimits = new RateLimits(config.gateway().rateLimitDefault());
        rateLimits.loadAll(store.listAllInstances());
        ApiKeyVerifier keys = new ApiKeyVerifier(store, new Passwords(config.auth().bcryptCost()), keyChecks,
                Duration.ofSeconds(1), usage::keyUsed);
        ClusterHop hops = leases.enabled() ? ClusterHop.of(config.cluster().secret()) : ClusterHop.OFF;
        java.util.concurrent.atomic.AtomicReference<String> selfAddress = new java.util.concurrent.atomic.AtomicReference<>("");
        NodeAddresses nodes = new NodeAddresses(store::listNodes, instanceWork, leases.nodeId(), selfAddress::get);
        ScheduledExecutorService holdTimer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("hold-timer"));
        started.push(holdTimer::shutdownNow);
        NodeBackends backends = new NodeBackends(lifecycle, usage, hops, nodes, holdTimer, instanceWork,
                config.holdTimeout(), config.holdMaxRequests());
        Gateway gateway = StartupChecks.bind("PICOBASE_GATEWAY_PORT", "PICOBASE_BIND_ADDRESS",
                config.bindAddress(), config.gatewayPort(), () -> Gateway.builder()
                        .config(config.gateway()).hosts(hostNames).routes(routes).keys(keys).backends(backends)
                        .secureCookies(config.auth().secureCookies()).hops(hops).rateLimits(rateLimits)
                        .metrics(metrics).clusterPeers(leases.enabled() ? nodes::isNode : peer -> false)
                        .warmedUp(gatewayWarmup).start(config.bindAddress(), config.gatewayPort()));
        started.push(() -> gateway.shutdown(Duration.ofSeconds(1)));
        // Where the other nodes reach this one; port 0 (tests) means the port the gateway got.
        selfAddress.set(config.cluster().nodeAddress().replaceFirst(":0$", ":" + gateway.port()));

        ControlEvents events = new ControlEvents() {
            @Override
            public void instanceCreated(Instance instance) {
                routes.put(instance.subdomain(), instance.id());
            }

            @Override
            public void instanceDeleting(Instance instance, List<String> keyIds) {
                routes.remove(instance.subdomain(), instance.id());
                rateLimits.remove(instance.id());
                keyIds.forEach(gateway::revokeKey); // their cached verdicts and their open streams
            }

            @Override
            public void rateLimitChanged(Instance instance) {
                rateLimits.set(instance.id(), instance.rateLimit());
            }

            @Override
            public void keyRevoked(String keyId) {
                gateway.revokeKey(keyId); // its cached verdicts and its open streams
            }

            @Override
            public void accountSuspended(List<String> keyIds) {
                keyIds.forEach(gateway::revokeKey);
            }

            @Override
            public void accountReactivated(List<String> keyIds) {
                keyIds.forEach(gateway::reinstateKey);
            }

            @Override
            public void domainChanged(String hostname) {
                routes.forgetDomain(hostname);
            }
        };
        dev.picobase.api.domains.DomainChecks domainChecks = new dev.picobase.api.domains.DomainChecks(store,
                new dev.picobase.api.domains.TxtRecords(config.domains().dnsResolver()), events)
                .recheckEvery(config.domains().recheckInterval());
        started.push(domainChecks);
        ControlApiServer api = StartupChecks.bind("PICOBASE_API_PORT", "PICOBASE_BIND_ADDRESS", config.bindAddress(),
                config.apiPort(), () -> ControlApiServer.start(config, store, clock, lifecycle, events,
                        leases.enabled() ? new OwnerCalls(store, leases.nodeId(), nodes, hops,
                                config.cluster().leaseTtl()) : OwnerCalls.none(), secrets, domainChecks,
                        host -> routes.resolveHost(hostNames, host)));
        started.push(api);
        if (leases.enabled()) {
            // Registered once both ports are bound: other nodes may send requests and calls from now on.
            store.registerNode(config.cluster().nodeId(), selfAddress.get(), config.cluster().apiAddress(api.port()));
        }
        ScheduledExecutorService usageFlush = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("usage-flush"));
        started.push(usageFlush::shutdownNow);
        usageFlush.scheduleWithFixedDelay(usage::flush, 2, 2, TimeUnit.SECONDS);
        usageFlush.scheduleWithFixedDelay(usage::tick, 250, 250, TimeUnit.MILLISECONDS); // awake time
        MetadataBackupSchedule metadataBackups = MetadataBackupSchedule.start(config.metadata(),
                config.metadataBackup(), objects, clock);
        started.push(metadataBackups::stop);
        metrics.bind(store, lifecycle, keys, gateway.connections());
        metrics.forwarded(backends::forwarded);
        metrics.metadataBackups(metadataBackups);
        ManagementServer management = StartupChecks.bind("PICOBASE_MANAGEMENT_PORT",
                "PICOBASE_MANAGEMENT_BIND_ADDRESS", config.managementBindAddress(), config.managementPort(),
                () -> ManagementServer.start(config.managementBindAddress(), config.managementPort(), metrics,
                        new OperatorRoutes(store, lifecycle, config.dataDir(), config.diskBudgetBytes(),
                                startedAt, metadataBackups).routes()));
        ClusterSync clusterSync = leases.enabled() ? ClusterSync.start(store, routes, gateway, lifecycle, rateLimits)
                : null;
        if (clusterSync != null) {
            started.push(clusterSync);
        }
        return new Platform(store, keyChecks, instanceWork, lifecycle, keys, gateway, api, usage, usageFlush, metrics,
                management, clusterSync, metadataBackups, domainChecks);
    }

    private static ThreadPoolExecutor bounded(String name, int threads, int queue) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue), DaemonThreads.named(name));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    public int apiPort() {
        return api.port();
    }

    public int gatewayPort() {
        return gateway.port();
    }

    /** The bound management port ({@code /metrics}, {@code /health}); differs from the configured 0 in tests. */
    public int managementPort() {
        return management.port();
    }

    public MetadataStore store() {
        return store;
    }

    public InstanceLifecycle lifecycle() {
        return lifecycle;
    }

    public ApiKeyVerifier keys() {
        return keys;
    }

    /** Stops taking requests on both ports, lets those in flight finish, then stops every instance. */
    @Override
    public void close() {
        // First: a PocketBase signalled with the platform (systemd's control-group stop) exits
        // while the ports drain, and must be saved below rather than marked failed.
        lifecycle.beginShutdown();
        management.close();
        if (clusterSync != null) {
            clusterSync.close();
        }
        gateway.shutdown(Duration.ofSeconds(10));
        api.close();
        domainChecks.close();
        usageFlush.shutdownNow();
        usage.flush(); // awake time up to now, while the instances still run
        lifecycle.close(); // saves every instance and gives its lease back
        usage.flush(); // the sizes of the snapshots those saves took
        if (lifecycle.leases().enabled()) {
            try {
                store.deregisterNode(lifecycle.leases().nodeId());
            } catch (RuntimeException e) {
                LOG.warn("could not remove this node from the cluster listing: {}", e.getMessage());
            }
        }
        keyChecks.shutdownNow();
        instanceWork.shutdownNow();
        metadataBackups.close(); // the last backup: every instance saved and stopped, the store still open
        store.close();
        metrics.close();
    }
}
