package dev.picobase.api.cluster;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Two real platforms in this JVM, nodes {@code node-a} and {@code node-b}, on the shared sqld database
 * and one S3Proxy bucket, each with its own data directory ({@code <dir>/a}, {@code <dir>/b}), gateway
 * port (its {@code PICOBASE_NODE_ADDRESS} on loopback) and PocketBase ports. {@code settings} go to both
 * (a cluster secret, a lease TTL, ...). Closing stops the nodes still running, b first.
 */
final class TwoNodes implements AutoCloseable {
    final RunningApi a;
    final RunningApi b;
    private final Set<RunningApi> running = new LinkedHashSet<>();

    private TwoNodes(RunningApi a, RunningApi b) {
        this.a = a;
        this.b = b;
        running.add(b);
        running.add(a);
    }

    static TwoNodes start(Path dir, Map<String, String> settings) {
        Map<String, String> shared = new HashMap<>(StorageKind.S3PROXY.environment(dir)); // one bucket for both
        shared.put("PICOBASE_IDLE_TIMEOUT", "1h");
        shared.putAll(settings);
        RunningApi a = node(shared, "node-a", dir.resolve("a"), 0);
        try {
            return new TwoNodes(a, node(shared, "node-b", dir.resolve("b"), 1000));
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
    }

    private static RunningApi node(Map<String, String> shared, String id, Path dataDir, int portOffset) {
        Map<String, String> env = new HashMap<>(shared);
        env.putAll(StoreKind.LIBSQL.environment(dataDir));
        env.put("PICOBASE_NODE_ID", id);
        // Where the other node reaches this gateway: loopback, which is what the gateway binds in tests.
        int gateway = FreePorts.next();
        env.put("PICOBASE_GATEWAY_PORT", Integer.toString(gateway));
        env.put("PICOBASE_NODE_ADDRESS", "127.0.0.1:" + gateway);
        env.put("INSTANCES_BASE_PORT", Integer.toString(30000 + portOffset + (int) (ProcessHandle.current().pid() % 500)));
        return RunningApi.start(StoreKind.LIBSQL, dataDir, env, Clock.systemUTC());
    }

    /** The tenant's client of its instance through {@code node}'s gateway. */
    static TenantGateway through(RunningApi node, ApiClient.Tenant tenant) {
        return new TenantGateway(node.gatewayPort(), tenant.subdomain(), tenant.key());
    }

    /** Stops one node now (it saves its instances and gives their leases back). */
    void stop(RunningApi node) {
        if (running.remove(node)) {
            node.close();
        }
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (RunningApi node : new java.util.ArrayList<>(running)) {
            try {
                stop(node);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
