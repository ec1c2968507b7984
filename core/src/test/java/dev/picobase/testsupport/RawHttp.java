package dev.picobase.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A byte-level HTTP/1.1 client on one socket, for what {@link java.net.http.HttpClient} will not
 * send or show: malformed and smuggling-shaped requests, oversized heads, pipelining, 100-continue,
 * upgrades, and exactly when the server closed the connection. Responses are read by
 * {@code Content-Length}, chunked encoding, or to the end of the connection. Every read has a
 * timeout, so a server that never answers fails the test instead of hanging it. The gateway's and
 * the control API's tests share it.
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

    /**
     * Connects from {@code localAddress} (e.g. 127.0.0.2: on Linux all of 127/8 is loopback), so a
     * test can be two clients at two addresses and check that a limit on one leaves the other alone.
     */
    public static RawHttp connectFrom(String localAddress, int port) {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
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

    /** A response as read off the wire; header names are case-insensitive. */
    public record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body) {
        /** The header's values joined with ", ", or null when absent. */
        public String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : String.join(", ", v);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body as JSON; missing when it is empty or not JSON. */
        public JsonNode json() {
            try {
                return body.length == 0 ? MissingNode.getInstance() : JSON.readTree(body);
            } catch (IOException notJson) {
                return MissingNode.getInstance();
            }
        }

        /** {@code error.code} of our JSON error format, or "" when there is none. */
        public String errorCode() {
            return json().path("error").path("code").asText();
        }
    }

    /** Reads the status line and headers only. */
    public Response readHead() {
        try {
            String statusLine = line(in);
            if (statusLine == null) {
                throw new AssertionError("the connection closed before a response");
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            String l;
            while ((l = line(in)) != null && !l.isEmpty()) {
                int colon = l.indexOf(':');
                headers.computeIfAbsent(l.substring(0, colon).strip(), k -> new ArrayList<>())
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
                    String sizeLine = line(in);
                    int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
                    if (size == 0) {
                        while (!line(in).isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    body.write(in.readNBytes(size));
                    line(in);
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

    /**
     * True when the server has closed the connection (end of stream, or a reset because it closed
     * with our bytes unread); false when it is still open after five seconds, or sent more data.
     */
    public boolean isClosedByServer() {
        try {
            int previousTimeout = socket.getSoTimeout();
            socket.setSoTimeout(5_000);
            try {
                return in.read() == -1;
            } finally {
                socket.setSoTimeout(previousTimeout);
            }
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One CRLF- (or LF-) terminated line in ISO-8859-1, without its terminator; null at the end of
     * the stream; an IOException if the stream ends mid-line. Test servers read requests with it too.
     */
    public static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        if (sb.length() == 0) {
            return null;
        }
        throw new IOException("connection ended mid-line");
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test connection: nothing to do
        }
    }
}
