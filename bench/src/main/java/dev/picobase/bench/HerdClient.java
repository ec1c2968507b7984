package dev.picobase.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A load generator for one burst: {@link #open} opens {@code n} connections to the gateway first,
 * then {@link #fire} writes the same HTTP/1.1 request on every one of them back to back (one thread,
 * no connection set-up left in the burst) and reads every response with one selector. Each
 * request's latency runs from just before its own write to the read that completed its response
 * (by {@code Content-Length}, the last chunk, or end of stream when neither is given).
 *
 * <p>A connection that cannot be opened, is reset, ends before a whole response, or has no whole
 * response by the deadline counts as an error (status 0, with the reason).
 */
final class HerdClient implements AutoCloseable {
    /** One request's outcome: status 0 with an error when no whole response came. */
    record Outcome(int status, long latencyNanos, String serverTiming, String error) {
        boolean ok() {
            return status == 200;
        }
    }

    private final List<Connection> connections = new ArrayList<>();
    private final Selector selector;

    private HerdClient(Selector selector) {
        this.selector = selector;
    }

    /** Opens {@code n} connections to {@code address} (blocking connects, one after the other). */
    static HerdClient open(InetSocketAddress address, int n) {
        try {
            HerdClient client = new HerdClient(Selector.open());
            for (int i = 0; i < n; i++) {
                Connection c = new Connection();
                try {
                    c.channel = SocketChannel.open();
                    c.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.channel.connect(address);
                    c.channel.configureBlocking(false);
                } catch (IOException e) {
                    c.fail("connect: " + e.getMessage());
                }
                client.connections.add(c);
            }
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
    }

    /** How many connections are open and not failed. */
    int openConnections() {
        return (int) connections.stream().filter(c -> c.outcome == null).count();
    }

    /**
     * Writes {@code request} on every open connection, then reads until every response is whole or
     * {@code timeoutMillis} have passed since the last write; returns one outcome per connection.
     */
    List<Outcome> fire(byte[] request, long timeoutMillis) {
        try {
            for (Connection c : connections) {
                if (c.outcome != null) {
                    continue;
                }
                c.sentAt = System.nanoTime();
                ByteBuffer out = ByteBuffer.wrap(request);
                try {
                    c.channel.write(out);
                } catch (IOException e) {
                    c.fail("write: " + e.getMessage());
                    continue;
                }
                // The request is small; a loopback socket's send buffer takes it whole, but stay correct if not.
                c.pendingWrite = out.hasRemaining() ? out : null;
                c.channel.register(selector, out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ, c);
            }
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
            int pending = (int) connections.stream().filter(c -> c.outcome == null).count();
            ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
            while (pending > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                selector.select(left);
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection c = (Connection) key.attachment();
                    if (c.outcome == null) {
                        c.step(key, in);
                        if (c.outcome != null) {
                            pending--;
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Connection c : connections) {
                if (c.outcome == null) {
                    c.fail("no whole response within " + timeoutMillis + " ms (" + c.received + " bytes)");
                }
                outcomes.add(c.outcome);
            }
            return outcomes;
        } catch (IOException e) {
            throw new UncheckedIOException("selector failed", e);
        }
    }

    @Override
    public void close() {
        for (Connection c : connections) {
            if (c.channel != null) {
                try {
                    c.channel.close();
                } catch (IOException e) {
                    // Closing a socket we are done with: nothing to recover, nothing left to measure.
                    System.err.println("herd: closing a client socket: " + e.getMessage());
                }
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            System.err.println("herd: closing the selector: " + e.getMessage());
        }
    }

    /** One connection's state: its bytes so far and, once known, where the response ends. */
    private static final class Connection {
        SocketChannel channel;
        ByteBuffer pendingWrite;
        long sentAt;
        byte[] data = new byte[4096];
        int received;
        int headerEnd = -1;
        int status;
        long contentLength = -1;
        boolean chunked;
        String serverTiming;
        Outcome outcome;

        void fail(String error) {
            outcome = new Outcome(0, 0, null, error);
        }

        /** Handles readiness: finishes the write, or reads what arrived and sets the outcome once whole. */
        void step(SelectionKey key, ByteBuffer in) {
            try {
                if (key.isWritable()) {
                    channel.write(pendingWrite);
                    if (!pendingWrite.hasRemaining()) {
                        pendingWrite = null;
                        key.interestOps(SelectionKey.OP_READ);
                    }
                    return;
                }
                while (true) {
                    in.clear();
                    int n = channel.read(in);
                    if (n < 0) {
                        finishAtEndOfStream();
                        key.cancel();
                        return;
                    }
                    if (n == 0) {
                        return;
                    }
                    in.flip();
                    append(in);
                    if (complete()) {
                        outcome = new Outcome(status, System.nanoTime() - sentAt, serverTiming, null);
                        key.cancel();
                        return;
                    }
                }
            } catch (IOException e) {
                fail("read: " + e.getMessage());
                key.cancel();
            }
        }

        private void append(ByteBuffer in) {
            if (received + in.remaining() > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, received + in.remaining()));
            }
            int n = in.remaining();
            in.get(data, received, n);
            received += n;
        }

        private void finishAtEndOfStream() {
            boolean closeDelimited = headerEnd >= 0 && contentLength < 0 && !chunked;
            outcome = closeDelimited
                    ? new Outcome(status, System.nanoTime() - sentAt, serverTiming, null)
                    : new Outcome(0, 0, null, "connection closed after " + received + " bytes");
        }

        private boolean complete() {
            if (headerEnd < 0 && !parseHead()) {
                return false;
            }
            int body = received - headerEnd;
            if (contentLength >= 0) {
                return body >= contentLength;
            }
            return chunked && received >= 5
                    && new String(data, received - 5, 5, StandardCharsets.ISO_8859_1).equals("0\r\n\r\n");
        }

        private boolean parseHead() {
            for (int i = 3; i < received; i++) {
                if (data[i] == '\n' && data[i - 1] == '\r' && data[i - 2] == '\n' && data[i - 3] == '\r') {
                    headerEnd = i + 1;
                    String[] lines = new String(data, 0, i - 3, StandardCharsets.ISO_8859_1).split("\r\n");
                    status = Integer.parseInt(lines[0].split(" ")[1]);
                    for (String line : Arrays.copyOfRange(lines, 1, lines.length)) {
                        int colon = line.indexOf(':');
                        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                        String value = line.substring(colon + 1).trim();
                        switch (name) {
                            case "content-length" -> contentLength = Long.parseLong(value);
                            case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                            case "server-timing" -> serverTiming = value;
                            default -> { }
                        }
                    }
                    return true;
                }
            }
            return false;
        }
    }
}
