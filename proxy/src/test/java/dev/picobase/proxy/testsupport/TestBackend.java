package dev.picobase.proxy.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for PocketBase: a tiny HTTP/1.1 server on raw sockets (one thread per connection), so
 * tests control every byte and can watch what the gateway forwards. Keep-alive is honoured; what a
 * request gets depends on its path:
 * <ul>
 *   <li>{@code /bytes?size=N[&chunked=1]}: N deterministic bytes ({@link #pattern}), with
 *       Content-Length or chunked; counts what it managed to write ({@link #bytesWritten()});</li>
 *   <li>{@code /sse}: an event, then (after {@link #release()}) a second one;</li>
 *   <li>{@code /ws}: a WebSocket handshake (101), then echoes raw bytes (closing after {@code bye});</li>
 *   <li>{@code /close}: closes the connection without answering;</li>
 *   <li>{@code /stall}: never answers;</li>
 *   <li>{@code /hold}: answers (echo) only after {@link #release()};</li>
 *   <li>anything else: echoes method, URI, headers and the body's length, SHA-256 and (when small)
 *       text as JSON.</li>
 * </ul>
 * Threading: the test thread configures and reads counters; connection threads do the I/O.
 */
public final class TestBackend implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PATTERN_LENGTH = 65_521; // a prime, so no read size aligns with it
    private static final byte[] PATTERN = new byte[PATTERN_LENGTH];

    static {
        new java.util.Random(42).nextBytes(PATTERN);
    }

    /** What the backend received: method, URI and headers (names lowercased). */
    public record Received(String method, String uri, Map<String, List<String>> headers) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(", ", v);
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong bytesWritten = new AtomicLong();
    private volatile long lastWriteNanos = System.nanoTime();
    private volatile CountDownLatch release = new CountDownLatch(1);
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public TestBackend() {
        try {
            server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        acceptor = new Thread(this::acceptLoop, "test-backend-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** TCP connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Requests received so far, in order. */
    public List<Received> received() {
        return received;
    }

    public Received lastReceived() {
        return received.get(received.size() - 1);
    }

    /** Bytes of {@code /bytes} bodies whose socket write has returned. */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** Nanos (System.nanoTime) of the last completed write of a {@code /bytes} body. */
    public long lastWriteNanos() {
        return lastWriteNanos;
    }

    /** Lets waiting {@code /sse} and {@code /hold} requests continue. */
    public void release() {
        release.countDown();
    }

    /** Resets counters and the release latch between tests. */
    public void reset() {
        release.countDown();
        release = new CountDownLatch(1);
        received.clear();
        connections.set(0);
        bytesWritten.set(0);
    }

    /** Byte {@code i} of every {@code /bytes} body. */
    public static byte patternAt(long i) {
        return PATTERN[(int) (i % PATTERN_LENGTH)];
    }

    /** The SHA-256 (hex) of the first {@code size} bytes of the pattern. */
    public static String patternSha256(long size) {
        MessageDigest d = sha256();
        long left = size;
        while (left > 0) {
            int n = (int) Math.min(left, PATTERN_LENGTH);
            d.update(PATTERN, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** Writes the first {@code size} bytes of the pattern to {@code out}. */
    public static void writePattern(OutputStream out, long size) throws IOException {
        long left = size;
        while (left > 0) {
            int n = (int) Math.min(left, PATTERN_LENGTH);
            out.write(PATTERN, 0, n);
            left -= n;
        }
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        release.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    // ---- serving --------------------------------------------------------------------------------

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "test-backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                Head head = Head.read(in);
                if (head == null) {
                    return;
                }
                received.add(new Received(head.method, head.uri, head.headers));
                if (!handle(head, in, out, socket)) {
                    return;
                }
            }
        } catch (IOException e) {
            // the peer went away
        } finally {
            open.remove(socket);
        }
    }

    /** Answers one request; false when the connection must not be reused. */
    private boolean handle(Head head, InputStream in, OutputStream out, Socket socket) throws IOException {
        URI uri = URI.create(head.uri);
        Map<String, String> query = query(uri.getRawQuery());
        String path = uri.getPath();
        switch (path) {
            case "/bytes" -> {
                drain(head, in);
                long size = Long.parseLong(query.getOrDefault("size", "0"));
                boolean chunked = "1".equals(query.get("chunked"));
                StringBuilder h = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n");
                h.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n");
                out.write(h.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
                long sent = 0;
                byte[] buf = new byte[64 * 1024];
                while (sent < size) {
                    int n = (int) Math.min(buf.length, size - sent);
                    for (int i = 0; i < n; i++) {
                        buf[i] = patternAt(sent + i);
                    }
                    if (chunked) {
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(buf, 0, n);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    } else {
                        out.write(buf, 0, n);
                    }
                    sent += n;
                    bytesWritten.addAndGet(n);
                    lastWriteNanos = System.nanoTime();
                }
                if (chunked) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                return head.keepAlive();
            }
            case "/sse" -> {
                drain(head, in);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                writeChunk(out, "data: one\n\n");
                out.flush();
                awaitRelease();
                writeChunk(out, "data: two\n\n");
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return head.keepAlive();
            }
            case "/ws" -> {
                String key = head.header("sec-websocket-key");
                String accept = Base64.getEncoder().encodeToString(sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    if (new String(buf, 0, n, StandardCharsets.ISO_8859_1).contains("bye")) {
                        break; // the backend ends the tunnel
                    }
                }
                return false;
            }
            case "/close" -> {
                return false;
            }
            case "/stall" -> {
                while (in.read() >= 0) {
                    // never answer; wait for the gateway to give up
                }
                return false;
            }
            case "/hold" -> {
                awaitRelease();
                return echo(head, in, out);
            }
            default -> {
                return echo(head, in, out);
            }
        }
    }

    private boolean echo(Head head, InputStream in, OutputStream out) throws IOException {
        MessageDigest digest = sha256();
        ByteArrayOutputStream small = new ByteArrayOutputStream();
        long length = body(head, in, (buf, n) -> {
            digest.update(buf, 0, n);
            if (small.size() < 65_536) {
                small.write(buf, 0, Math.min(n, 65_536 - small.size()));
            }
        });
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("method", head.method);
        doc.put("uri", head.uri);
        doc.put("headers", head.headers);
        doc.put("bodyLength", length);
        doc.put("bodySha256", HexFormat.of().formatHex(digest.digest()));
        doc.put("body", small.toString(StandardCharsets.UTF_8));
        byte[] json = JSON.writeValueAsBytes(doc);
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + json.length
                + "\r\n" + (head.keepAlive() ? "" : "Connection: close\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(json);
        out.flush();
        return head.keepAlive();
    }

    private void awaitRelease() {
        try {
            release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeChunk(OutputStream out, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static void drain(Head head, InputStream in) throws IOException {
        body(head, in, (b, n) -> { });
    }

    private interface Sink {
        void accept(byte[] buf, int n);
    }

    /** Reads the request body (Content-Length or chunked) into {@code sink}; returns its length. */
    private static long body(Head head, InputStream in, Sink sink) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        String te = head.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String sizeLine = line(in);
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).strip(), 16);
                if (size == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers
                    }
                    return total;
                }
                total += copy(in, size, buf, sink);
                line(in);
            }
        }
        String cl = head.header("content-length");
        return cl == null ? 0 : copy(in, Long.parseLong(cl.strip()), buf, sink);
    }

    private static long copy(InputStream in, long size, byte[] buf, Sink sink) throws IOException {
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("body ended early");
            }
            sink.accept(buf, n);
            left -= n;
        }
        return size;
    }

    static String line(InputStream in) throws IOException {
        return dev.picobase.testsupport.RawHttp.line(in);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                q.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        return q;
    }

    private static byte[] sha1(String s) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private record Head(String method, String uri, String version, Map<String, List<String>> headers) {
        static Head read(InputStream in) throws IOException {
            String requestLine = line(in);
            if (requestLine == null) {
                return null;
            }
            String[] parts = requestLine.split(" ");
            Map<String, List<String>> headers = new LinkedHashMap<>();
            String l;
            while ((l = line(in)) != null && !l.isEmpty()) {
                int colon = l.indexOf(':');
                headers.computeIfAbsent(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(l.substring(colon + 1).strip());
            }
            return new Head(parts[0], parts[1], parts[2], headers);
        }

        String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : String.join(", ", v);
        }

        boolean keepAlive() {
            String c = header("connection");
            if (c != null && c.toLowerCase(Locale.ROOT).contains("close")) {
                return false;
            }
            return !version.equals("HTTP/1.0") || (c != null && c.toLowerCase(Locale.ROOT).contains("keep-alive"));
        }
    }
}
