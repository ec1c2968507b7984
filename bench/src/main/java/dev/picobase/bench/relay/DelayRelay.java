package dev.picobase.bench.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay that puts distance between a client and a server on one machine: every chunk of bytes
 * is delivered a fixed delay after it reached the relay, in each direction (so 15 ms each way makes a
 * 30 ms round trip, as between a node and a Turso database in another region). It also records every
 * HTTP request the client sends ({@link #requests()}), which is how the benchmarks count metadata
 * round trips: the platform talks to sqld over HTTP, one request per statement.
 *
 * <p>Design. Per connection and direction, a reader thread reads whatever has arrived, stamps it with
 * its due time (arrival plus the delay) and queues it; a writer thread takes chunks in order, waits
 * until each one's due time and writes it. The reader never waits for the writer, so many chunks are
 * in flight at once and throughput is not serialised: this is a long link with plenty of bandwidth,
 * not a slow one. Order is kept (one queue, one writer), and no chunk is delivered before its due
 * time. The wait is a park until an absolute deadline, not a sleep per chunk, so the delay does not
 * accumulate. A delay changed with {@link #delay} applies to bytes arriving from then on.
 *
 * <p>Not modelled: connection set-up. A client's connect completes at once (the relay accepts locally
 * and connects to the server at once), where a real link would add a round trip for TCP and one or
 * two for TLS. The platform's driver keeps its connections alive, so this only flatters a first
 * statement on a new connection.
 *
 * <p>Threading: four daemon threads per relayed connection; {@link #requests()} and
 * {@link #requestsBetween} may be called from any thread.
 */
public final class DelayRelay implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final ExecutorService threads;
    private volatile long delayNanos;
    private final List<RelayedRequest> requests = new ArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong unparsed = new AtomicLong();
    private volatile boolean closed;

    private DelayRelay(ServerSocket server, InetSocketAddress upstream, Duration oneWay) {
        this.server = server;
        this.upstream = upstream;
        this.delayNanos = oneWay.toNanos();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "delay-relay-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.threads = Executors.newCachedThreadPool(factory);
    }

    /** Listens on a free loopback port and relays every connection to {@code upstream}, {@code oneWay} late each way. */
    public static DelayRelay start(InetSocketAddress upstream, Duration oneWay) throws IOException {
        ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        DelayRelay relay = new DelayRelay(server, upstream, oneWay);
        relay.threads.execute(relay::acceptLoop);
        return relay;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>}: the URL to give the platform instead of the server's. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The one-way delay for bytes that arrive from now on. */
    public void delay(Duration oneWay) {
        delayNanos = oneWay.toNanos();
    }

    public Duration delay() {
        return Duration.ofNanos(delayNanos);
    }

    /** Every request relayed so far, in the order they completed. */
    public List<RelayedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The requests whose first byte reached the relay at or after {@code fromNanos} and before {@code toNanos}. */
    public List<RelayedRequest> requestsBetween(long fromNanos, long toNanos) {
        return requests().stream()
                .filter(r -> r.startNanos() - fromNanos >= 0 && r.startNanos() - toNanos < 0)
                .sorted((x, y) -> Long.compare(x.startNanos(), y.startNanos()))
                .toList();
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /** Connections on which the client stopped speaking HTTP as expected, so that some requests went uncounted. */
    public long unparsedConnections() {
        return unparsed.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            long number = connections.incrementAndGet();
            Socket target = new Socket();
            try {
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                target.connect(upstream, 10_000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(target);
                continue;
            }
            open.add(client);
            open.add(target);
            Link link = new Link(client, target);
            HttpRequestStream parser = new HttpRequestStream(number, r -> {
                synchronized (requests) {
                    requests.add(r);
                }
            });
            link.direction(client, target, parser);
            link.direction(target, client, null);
        }
    }

    /** A chunk due at {@code dueNanos}; {@code bytes == null} marks the end of the stream. */
    private record Chunk(byte[] bytes, long dueNanos) {}

    /** One relayed connection: two directions, closed when both have ended or either fails. */
    private final class Link {
        private final Socket client;
        private final Socket target;
        private final AtomicInteger ended = new AtomicInteger();

        Link(Socket client, Socket target) {
            this.client = client;
            this.target = target;
        }

        void direction(Socket from, Socket to, HttpRequestStream parser) {
            LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
            threads.execute(() -> read(from, queue, parser));
            threads.execute(() -> write(to, queue));
        }

        private void read(Socket from, LinkedBlockingQueue<Chunk> queue, HttpRequestStream parser) {
            byte[] buffer = new byte[CHUNK];
            boolean reportedBroken = false;
            try {
                InputStream in = from.getInputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    long now = System.nanoTime();
                    if (parser != null) {
                        parser.feed(buffer, 0, n, now);
                        if (parser.broken() && !reportedBroken) {
                            reportedBroken = true;
                            unparsed.incrementAndGet();
                        }
                    }
                    queue.add(new Chunk(Arrays.copyOf(buffer, n), now + delayNanos));
                }
                queue.add(new Chunk(null, System.nanoTime() + delayNanos));
            } catch (IOException e) {
                fail();
                queue.add(new Chunk(null, 0)); // ends the writer, whose socket is closed now
            }
        }

        private void write(Socket to, LinkedBlockingQueue<Chunk> queue) {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = queue.take();
                    long wait;
                    while ((wait = chunk.dueNanos() - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if (chunk.bytes() == null) {
                        to.shutdownOutput();
                        if (ended.incrementAndGet() == 2) {
                            fail(); // both directions are done: release the sockets
                        }
                        return;
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException e) {
                fail();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail();
            }
        }

        /** Closes both sockets: the other threads of this link end on their next read or write. */
        private void fail() {
            closeQuietly(client);
            closeQuietly(target);
            open.remove(client);
            open.remove(target);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(DelayRelay::closeQuietly);
        threads.shutdownNow(); // writers waiting on an empty queue
    }
}
