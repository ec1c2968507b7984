package dev.picobase.proxy.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A byte-level HTTP/1.1 client on one socket, for what {@link java.net.http.HttpClient} will not
 * send or show: malformed and smuggling-shaped requests, pipelining, 100-continue, upgrades, and
 * whether the gateway closed the connection. Every read has a timeout, so a gateway that never
 * answers fails the test instead of hanging it.
 */
public final class RawHttp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawHttp connect(int port) {
        return connect(port, -1);
    }

    /** Connects; a positive {@code receiveBuffer} shrinks the socket's receive buffer first. */
    public static RawHttp connect(int port, int receiveBuffer) {
        try {
            Socket s = new Socket();
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true);
            return new RawHttp(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public InputStream input() {
        return in;
    }

    public void readTimeout(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A response as read off the wire. */
    public record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(", ", v);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }
    }

    /** Reads the status line and headers only. */
    public Response readHead() {
        try {
            String statusLine = TestBackend.line(in);
            if (statusLine == null) {
                throw new AssertionError("the connection closed before a response");
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            String l;
            while ((l = TestBackend.line(in)) != null && !l.isEmpty()) {
                int colon = l.indexOf(':');
                headers.computeIfAbsent(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(l.substring(colon + 1).strip());
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            return new Response(statusLine, status, headers, new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one whole response (head and body, by Content-Length, chunked, or to the end). */
    public Response readResponse() {
        return readResponse(false);
    }

    public Response readResponse(boolean headRequest) {
        Response head = readHead();
        try {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int s = head.status();
            boolean noBody = headRequest || s < 200 || s == 204 || s == 304;
            String te = head.header("transfer-encoding");
            String cl = head.header("content-length");
            if (noBody) {
                // nothing follows
            } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                while (true) {
                    String sizeLine = TestBackend.line(in);
                    int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
                    if (size == 0) {
                        while (!TestBackend.line(in).isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    body.write(in.readNBytes(size));
                    TestBackend.line(in);
                }
            } else if (cl != null) {
                int n = Integer.parseInt(cl.strip());
                byte[] b = in.readNBytes(n);
                if (b.length != n) {
                    throw new AssertionError("body ended after " + b.length + " of " + n + " bytes");
                }
                body.write(b);
            } else {
                body.write(in.readAllBytes());
            }
            return new Response(head.statusLine(), s, head.headers(), body.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * True when the peer closes the connection (EOF or reset) within {@code within}; false when it
     * is still open then. Bytes that arrive meanwhile are discarded.
     */
    public boolean closedByPeer(Duration within) {
        long end = System.nanoTime() + within.toNanos();
        try {
            while (true) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
