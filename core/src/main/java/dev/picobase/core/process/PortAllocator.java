package dev.picobase.core.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.Set;

/**
 * Hands out loopback ports for PocketBase processes, from {@code INSTANCES_BASE_PORT} upwards. A
 * port is leased until {@link #release} and skipped while another program holds it (found by
 * binding {@code 127.0.0.1:port} for a moment, with {@code SO_REUSEADDR} like PocketBase's own Go
 * listener, so a port whose last connections linger in {@code TIME_WAIT} still counts as free).
 * The scan always starts at the base port, so released ports are reused first and the range in
 * use stays compact. A probe cannot stop another program from taking the port before PocketBase
 * binds it; {@link dev.picobase.core.runtime.InstanceRuntime} retries on another port when that
 * happens.
 *
 * <p>Threading: thread-safe; {@link #allocate} holds the lock while probing (a bind and close per
 * candidate, microseconds) and never blocks on anything else.
 */
public final class PortAllocator {
    static final InetAddress LOOPBACK = loopback();

    private final int basePort;
    private final int lastPort;
    private final Set<Integer> leased = new HashSet<>();

    public PortAllocator(int basePort) {
        this(basePort, 65535);
    }

    public PortAllocator(int basePort, int lastPort) {
        if (basePort < 1 || lastPort > 65535 || basePort > lastPort) {
            throw new IllegalArgumentException("bad port range " + basePort + "-" + lastPort);
        }
        this.basePort = basePort;
        this.lastPort = lastPort;
    }

    /** A port no other instance holds and nothing is listening on right now. */
    public synchronized int allocate() {
        for (int port = basePort; port <= lastPort; port++) {
            if (!leased.contains(port) && bindable(port)) {
                leased.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + basePort + " and " + lastPort);
    }

    /** Returns a port to the pool; releasing a port that is not leased does nothing. */
    public synchronized void release(int port) {
        leased.remove(port);
    }

    public synchronized boolean isLeased(int port) {
        return leased.contains(port);
    }

    static boolean bindable(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(LOOPBACK, port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new UncheckedIOException(e);
        }
    }
}
