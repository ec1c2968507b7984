package dev.picobase.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One keep-alive HTTP/1.1 connection for closed-loop latency: the next request is written only after
 * the previous response was read whole, so each figure is one request's own latency, as a client
 * making one request after another sees it, with no queueing of its own. A raw socket, as
 * {@link ColdStartHttp}: no pool, no executor hand-offs. Responses are framed by
 * {@code Content-Length} or {@code chunked}; a response that says {@code Connection: close} (or a
 * connection the server closed) makes the next request open a new connection, counted in
 * {@link #reconnects()}.
 *
 * <p>Not thread-safe: one thread per client.
 */
final class KeepAliveClient implements AutoCloseable {
    /** A response: its status, the time from before the write to the end of its body, and the body. */
    record Response(int status, long nanos, String body) {}

    private final int port;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private int reconnects = -1;

    KeepAliveClient(int port) {
        this.port = port;
    }

    /** A GET of {@code path} with {@code headers} (which must include Host), ready to {@link #send}. */
    static byte[] get(String path, Map<String, String> headers) {
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        return request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends one request and reads its whole response; an I/O failure closes the connection and throws. */
    Response send(byte[] request) throws IOException {
        if (socket == null) {
            connect();
        }
        long begin = System.nanoTime();
        try {
            out.write(request);
            out.flush();
            String head = ColdStartHttp.readHead(in);
            String[] lines = head.split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> close = value.contains("close");
                    default -> { }
                }
            }
            String body = chunked ? readChunked() : length >= 0 ? readFixed(length) : readToEnd();
            long nanos = System.nanoTime() - begin;
            if (close || (!chunked && length < 0)) {
                disconnect();
            }
            return new Response(Integer.parseInt(statusLine[1]), nanos, body);
        } catch (IOException | RuntimeException e) {
            disconnect();
            throw e instanceof IOException io ? io : new IOException("bad response: " + e, e);
        }
    }

    /** How many times a connection was opened again after the first. */
    int reconnects() {
        return Math.max(0, reconnects);
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(60_000);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        reconnects++;
    }

    private String readFixed(long length) throws IOException {
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new IOException("the connection closed " + (length - body.length) + " bytes before the body ended");
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    private String readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (n == 0) {
                while (!line().isEmpty()) {
                    // trailer fields, if any
                }
                return body.toString(StandardCharsets.UTF_8);
            }
            body.writeBytes(in.readNBytes(n));
            line(); // the CRLF after the chunk
        }
    }

    private String readToEnd() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("the connection closed inside a chunked body");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private void disconnect() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }

    @Override
    public void close() {
        disconnect();
    }
}
