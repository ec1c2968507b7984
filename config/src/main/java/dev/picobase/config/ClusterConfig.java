package dev.picobase.config;

import java.time.Duration;
import java.util.Optional;

/**
 * This node's place in a cluster: its id and the {@code host:port} at which other nodes reach its
 * gateway, and its control API if set ({@code PICOBASE_NODE_API_ADDRESS}; absent: the gateway
 * address's host with the control API's port), the secret that authenticates requests forwarded between nodes (absent: forwarding is
 * off), and the instance lease timing. A lease lives {@code leaseTtl} by the database's clock and
 * is renewed every {@code leaseRenewInterval}, which is less than half the TTL so that one failed
 * renewal still leaves time for a second before the lease can expire.
 */
public record ClusterConfig(String nodeId, String nodeAddress, Optional<String> nodeApiAddress,
                            Optional<String> secret, Duration leaseTtl,
                            Duration leaseRenewInterval) {

    /** Where other nodes reach this node's control API, given the port it is bound to. */
    public String apiAddress(int boundApiPort) {
        return nodeApiAddress.orElseGet(() -> nodeAddress.substring(0, nodeAddress.lastIndexOf(':') + 1) + boundApiPort);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "node " + nodeId + " at " + nodeAddress + nodeApiAddress.map(a -> " (API " + a + ")").orElse("")
                + (secret.isPresent() ? " (cluster secret set)" : "")
                + ", lease " + leaseTtl.toMillis() + "ms renewed every " + leaseRenewInterval.toMillis() + "ms";
    }
}
