package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.model.Node;
import dev.picobase.testsupport.Deadline;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The other nodes' addresses as the gateway and the control API use them: a node's gateway and
 * control API resolve by its id, never this node's own (a request is not forwarded to itself), a node
 * that registered no control API address has none, and the hosts of the other nodes' gateways are
 * known as cluster peers — whose connections carry many clients' hops, so the per-address connection
 * cap must not count them as one client. The listing is read off the caller's thread.
 */
class NodeAddressesTest {
    private final ExecutorService blocking = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        blocking.shutdownNow();
    }

    @Test
    void otherNodesResolveByIdAndTheirHostsAreClusterPeers() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        List<Node> listing = List.of(node("node-a", "127.0.0.1:8080", "127.0.0.1:8081"),
                node("node-b", "10.1.2.3:8080", null), node("node-c", "10.1.2.4:8080", "10.1.2.4:9000"));
        NodeAddresses nodes = new NodeAddresses(() -> {
            reads.incrementAndGet();
            return listing;
        }, blocking, "node-a", () -> "127.0.0.1:8080");

        assertThat(nodes.gateway("node-c").get()).contains(new InetSocketAddress("10.1.2.4", 8080));
        assertThat(nodes.controlApi("node-c").get()).contains(new InetSocketAddress("10.1.2.4", 9000));
        assertThat(nodes.controlApi("node-b").get()).as("registered none").isEmpty();
        assertThat(nodes.gateway("node-a").get()).as("this node").isEmpty();
        assertThat(nodes.gateway("node-z").get()).as("unknown").isEmpty();

        assertThat(nodes.isNode(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(nodes.isNode(InetAddress.getByName("10.1.2.4"))).isTrue();
        assertThat(nodes.isNode(InetAddress.getByName("10.1.2.5"))).as("a client").isFalse();
        assertThat(nodes.isNode(InetAddress.getByName("127.0.0.1"))).as("this node's own host").isFalse();
        int readsSoFar = reads.get();
        assertThat(nodes.isNode(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(reads.get()).as("a fresh listing is not read again").isEqualTo(readsSoFar);
    }

    @Test
    void peersAreKnownWithoutAnyForwardingOnceTheListingIsReadInTheBackground() throws Exception {
        NodeAddresses nodes = new NodeAddresses(() -> List.of(node("node-b", "10.1.2.3:8080", null)), blocking,
                "node-a", () -> "10.9.9.9:8080");
        InetAddress peer = InetAddress.getByName("10.1.2.3");
        // The first look finds no listing yet and asks for one without waiting for it.
        Deadline.await("the listing read in the background", Duration.ofSeconds(5), () -> nodes.isNode(peer));
        assertThat(nodes.gateway("node-b").get()).map(InetSocketAddress::getPort).isEqualTo(Optional.of(8080));
    }

    private static Node node(String id, String address, String api) {
        Instant now = Instant.now();
        return new Node(id, address, api, now, now, Duration.ZERO, 0);
    }
}
