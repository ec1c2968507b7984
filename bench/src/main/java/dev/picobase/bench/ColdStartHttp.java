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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP/1.1 GET on a fresh loopback connection ({@code Connection: close}), timed from before
 * the connect to the end of the response headers. A raw socket rather than {@code HttpClient}: no
 * pool, no executor hand-offs, so the figure is the server's time plus one loopback connect
 * (tens of microseconds), the same for every sample.
 */
final class ColdStartHttp {
    private ColdStartHttp() {}

    /**
     * @param headersNanos from before the connect until the blank line ending the response headers
     * @param headers      response header names in lower case
     * @param sentNanos    {@link System#nanoTime()} just before the connect: with {@code headersNanos}, the
     *                     window in which the request was being served
     */
    record Response(int status, Map<String, String> headers, long headersNanos, String body, long sentNanos) {}

    static Response get(int port, String path, Map<String, String> requestHeaders, Duration timeout)
            throws IOException {
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\n");
        requestHeaders.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        if (!requestHeaders.containsKey("Host")) {
            request.append("Host: 127.0.0.1:").append(port).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        byte[] bytes = request.toString().getBytes(StandardCharsets.US_ASCII);

        long begin = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) timeout.toMillis());
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String head = readHead(in);
            long headersNanos = System.nanoTime() - begin;
            String[] lines = head.split("\r\n");
            String[] statusLine = lines[0].split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP response: " + lines[0]);
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
                }
            }
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Response(Integer.parseInt(statusLine[1]), headers, headersNanos, body, begin);
        }
    }

    /** Reads up to and including the blank line that ends a response head; returns it without that line. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(512);
        int matched = 0; // how much of "\r\n\r\n" the last bytes read were
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed before the response headers ended: "
                        + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1
                    : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1).stripTrailing();
    }
}
