package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.PlatformProcess;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.store.LibsqlBackend;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.testsupport.Balancer;
import dev.picobase.testsupport.S3ProxyServer;
import dev.picobase.testsupport.SqldServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * A cluster as operators run it: three real nodes ({@code picobase up}, each in its own JVM: node-1,
 * node-2, node-3) on the shared sqld database and one S3Proxy bucket, each with its own data directory,
 * PocketBase ports and {@code PICOBASE_NODE_ADDRESS} (its gateway on loopback), the short test lease of
 * {@link ClusterNode} and a cluster secret; and Debian's nginx in front of the three gateways from the
 * shipped {@code config/nginx-cluster.conf}, round-robin ({@link Balancer}). The nodes boot concurrently
 * (JVM start-up is the slow part). A node can be restarted as in a rolling restart: SIGTERM, wait for its
 * exit (it drains, saves and gives its leases back), start again on the same ports and data directory, so
 * nginx's upstream and the other nodes' view of its address stay valid. A node may also be left dead
 * ({@code kill -9}) or frozen ({@code kill -STOP}) by a test: closing copes with both. Periodic snapshots are
 * off unless the settings given to {@link #start(Path, Map)} turn them on.
 *
 * <p>Nodes are numbered 1 to 3. Closing stops nginx, kills the nodes and any PocketBase they left.
 * Threading: one test thread drives it; a node's {@link #terminate} and {@link #startAgain} must not
 * overlap other calls for that node.
 */
final class ThreeNodes implements AutoCloseable {
    static final String SECRET = "three-nodes-cluster-secret-0123456789abcdef";
    static final int COUNT = 3;
    private static final Duration DRAIN = Duration.ofSeconds(60);

    private final Path root;
    private final Node[] nodes;
    private final Balancer balancer;
    private MetadataStore store;

    /** One node: what it is started with, and the process running now (replaced by a restart). */
    private static final class Node {
        final String name;
        final Path dataDir;
        final Path workDir;
        final PlatformProcess.Ports ports;
        final int instancesBasePort;
        final Map<String, String> settings;
        volatile PlatformProcess process;

        Node(String name, Path root, String bucket, Map<String, String> extra) {
            this.name = name;
            this.dataDir = root.resolve(name).resolve("data");
            this.workDir = root.resolve(name);
            this.ports = PlatformProcess.Ports.free();
            this.instancesBasePort = PlatformProcess.freeInstancesBasePort();
            Map<String, String> env = new HashMap<>(ClusterNode.settings(name, bucket, "0s")); // stops save
            env.put("PICOBASE_CLUSTER_SECRET", SECRET);
            env.put("PICOBASE_NODE_ADDRESS", "127.0.0.1:" + ports.gateway());
            env.putAll(extra);
            this.settings = Map.copyOf(env);
        }

        PlatformProcess start() {
            process = PlatformProcess.start(name, dataDir, workDir, instancesBasePort, ports, settings, false);
            return process;
        }
    }

    private ThreeNodes(Path root, Node[] nodes, Balancer balancer) {
        this.root = root;
        this.nodes = nodes;
        this.balancer = balancer;
    }

    /** Starts the three nodes (concurrently) and nginx, all under {@code root}. */
    static ThreeNodes start(Path root) {
        return start(root, Map.of());
    }

    /**
     * As {@link #start(Path)}, every node with {@code settings} on top of the cluster's (for example
     * {@code PICOBASE_SNAPSHOT_INTERVAL}).
     */
    static ThreeNodes start(Path root, Map<String, String> settings) {
        String bucket = S3ProxyServer.shared().newBucket();
        Node[] nodes = IntStream.rangeClosed(1, COUNT).mapToObj(n -> new Node(name(n), root, bucket, settings))
                .toArray(Node[]::new);
        List<CompletableFuture<PlatformProcess>> booting = new ArrayList<>();
        for (Node node : nodes) {
            booting.add(CompletableFuture.supplyAsync(node::start));
        }
        try {
            booting.forEach(CompletableFuture::join);
            List<Integer> gateways = java.util.Arrays.stream(nodes).map(n -> n.ports.gateway()).toList();
            return new ThreeNodes(root, nodes, Balancer.start(root.resolve("nginx"), gateways, false));
        } catch (RuntimeException | Error e) {
            for (CompletableFuture<PlatformProcess> f : booting) {
                try {
                    f.join().close();
                } catch (RuntimeException | Error didNotStart) {
                    // that node failed to boot (its own output is in e)
                }
            }
            PlatformProcess.killProcessesMentioning(root);
            throw e;
        }
    }

    /** Node {@code n} (1 to 3) as it runs now. */
    PlatformProcess node(int n) {
        return nodes[n - 1].process;
    }

    /** Node {@code n}'s id ({@code PICOBASE_NODE_ID}), as leases and backups name it. */
    static String name(int n) {
        return "node-" + n;
    }

    /** The number of the node named {@code nodeId} (as {@link #name} gives it). */
    static int number(String nodeId) {
        return Integer.parseInt(nodeId.substring("node-".length()));
    }

    /**
     * The shared metadata database read from this test (opened on first use): leases and snapshot pointers
     * as an operator's SQL shell would see them, whichever nodes are alive.
     */
    synchronized MetadataStore store() {
        if (store == null) {
            store = MetadataStore.open(new LibsqlBackend(SqldServer.shared().url(), null), Clock.systemUTC());
        }
        return store;
    }

    /** Node {@code n}'s data directory ({@code PICOBASE_DATA_DIR}). */
    private Path dataDir(int n) {
        return nodes[n - 1].dataDir;
    }

    /** The tenant's client of its instance through nginx. */
    TenantGateway throughBalancer(ApiClient.Tenant tenant) {
        return new TenantGateway(balancer.port(), tenant.subdomain(), tenant.key());
    }

    /** The tenant's client of its instance through node {@code n}'s gateway only. */
    TenantGateway through(int n, ApiClient.Tenant tenant) {
        return new TenantGateway(node(n).gatewayPort(), tenant.subdomain(), tenant.key());
    }

    /**
     * A rolling restart's first half: SIGTERM to node {@code n}; returns its exit code once it has exited
     * (its drain done: requests finished, instances saved, leases given back).
     */
    int terminate(int n) {
        return nodes[n - 1].process.terminate(DRAIN);
    }

    /**
     * The second half: starts node {@code n} again on its ports, data directory and settings (nginx's
     * upstream and the other nodes' view of its address stay valid) and returns once its API answers.
     */
    void startAgain(int n) {
        nodes[n - 1].start();
    }

    /** The PocketBase processes serving {@code instanceId}, on all three nodes together. */
    int pocketBasesOf(String instanceId) {
        int count = 0;
        for (int n = 1; n <= COUNT; n++) {
            count += runningOn(n, instanceId);
        }
        return count;
    }

    /** The one node whose data directory has a PocketBase serving {@code instanceId} (the lease owner). */
    int ownerOf(String instanceId) {
        List<Integer> running = IntStream.rangeClosed(1, COUNT).filter(n -> runningOn(n, instanceId) > 0).boxed()
                .toList();
        assertThat(running).as("nodes running a PocketBase for instance %s", instanceId).hasSize(1);
        return running.get(0);
    }

    private int runningOn(int n, String instanceId) {
        return PlatformProcess.pocketBasesUnder(dataDir(n).resolve("instances").resolve(instanceId)).size();
    }

    /** {@code name} (with {@code labels}) summed over one scrape of each node's {@code /metrics}. */
    double sum(String name, String... labels) {
        double total = 0;
        for (int n = 1; n <= COUNT; n++) {
            total += metric(n, name, labels);
        }
        return total;
    }

    /** {@code name} (with {@code labels}) in one scrape of node {@code n}'s {@code /metrics}. */
    double metric(int n, String name, String... labels) {
        return node(n).metrics().sum(name, labels);
    }

    /** The lines of every node's output (all its runs) that warn or report an error, for a failure message. */
    String warnings() {
        StringBuilder out = new StringBuilder();
        for (Node node : nodes) {
            if (node.process != null) {
                node.process.output().lines().filter(l -> l.contains("WARN") || l.contains("ERROR"))
                        .forEach(l -> out.append(node.name).append(": ").append(l).append('\n'));
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        try {
            balancer.close();
            synchronized (this) {
                if (store != null) {
                    store.close();
                }
            }
        } finally {
            for (Node node : nodes) {
                if (node.process != null) {
                    node.process.close();
                }
            }
            PlatformProcess.killProcessesMentioning(root);
        }
    }
}
