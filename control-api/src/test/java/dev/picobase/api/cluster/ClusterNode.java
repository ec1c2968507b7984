package dev.picobase.api.cluster;

import dev.picobase.testsupport.S3ProxyServer;
import dev.picobase.testsupport.SqldServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings of one node of a test cluster: the shared sqld database, one S3Proxy bucket that every
 * node of the test is given, its own node id, and a short lease (2 s TTL, renewed every 500 ms) so a
 * takeover happens within a test's seconds. Idle stops are off; periodic snapshots run every
 * {@code snapshotInterval} ({@code 0s}: only stops and lost leases save).
 */
final class ClusterNode {
    static final Duration LEASE_TTL = Duration.ofSeconds(2);

    private ClusterNode() {}

    static Map<String, String> settings(String nodeId, String bucket, String snapshotInterval) {
        Map<String, String> env = new HashMap<>(S3ProxyServer.shared().environment(bucket));
        env.put("TURSO_DATABASE_URL", SqldServer.shared().url());
        env.put("PICOBASE_NODE_ID", nodeId);
        env.put("PICOBASE_LEASE_TTL", LEASE_TTL.toSeconds() + "s");
        env.put("PICOBASE_LEASE_RENEW_INTERVAL", "500ms");
        env.put("PICOBASE_SNAPSHOT_INTERVAL", snapshotInterval);
        env.put("PICOBASE_IDLE_TIMEOUT", "1h");
        return env;
    }
}
