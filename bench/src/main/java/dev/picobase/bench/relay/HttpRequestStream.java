package dev.picobase.bench.relay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Finds where each HTTP/1.1 request begins in the bytes a client sends on one connection, however
 * TCP cut them into chunks, and reports each request once it is complete.
 *
 * <p>Why parse rather than count "bursts" after a quiet gap: a burst count merges two requests sent
 * close together (two connections of the platform's pool, or a statement sent right after another)
 * and splits one whose body arrives in two chunks, and the gap it needs depends on the delay being
 * simulated. Requests are framed by the protocol instead: a head ending in an empty line, then a
 * body of {@code Content-Length} bytes or {@code chunked}; so bytes inside a body (SQL can contain
 * {@code "\r\n\r\n"} or {@code POST /}) are never taken for a new request, and keep-alive and
 * pipelined requests are all found. A request's start is the arrival of its first byte.
 *
 * <p>Not thread-safe: one instance per connection, fed by the thread that reads it.
 */
final class HttpRequestStream {
    /** Heads longer than this are not HTTP as the platform sends it: counting stops for the connection. */
    private static final int MAX_HEAD = 64 * 1024;
    /** Body bytes kept to read statements from; the rest are counted past. */
    private static final int MAX_KEPT_BODY = 4 * 1024 * 1024;

    private static final java.util.regex.Pattern REQUEST_LINE =
            java.util.regex.Pattern.compile("[A-Z]+ \\S+ HTTP/1\\.[01]");

    private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER, BROKEN }

    private final long connection;
    private final Consumer<RelayedRequest> completed;
    private State state = State.HEAD;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(1024);
    private long startNanos;
    private String method;
    private String target;
    private long remaining;
    /** The last four bytes of the head so far, for spotting its end. */
    private int tail;

    /** Reports each complete request of connection number {@code connection} to {@code completed}. */
    HttpRequestStream(long connection, Consumer<RelayedRequest> completed) {
        this.connection = connection;
        this.completed = completed;
    }

    /** The next bytes the client sent, which reached the relay at {@code nowNanos}. */
    void feed(byte[] bytes, int offset, int length, long nowNanos) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            switch (state) {
                case HEAD -> i = head(bytes, i, end, nowNanos);
                case BODY -> {
                    int n = (int) Math.min(remaining, end - i);
                    keep(bytes, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        complete();
                    }
                }
                case CHUNK_SIZE -> i = chunkSize(bytes, i, end);
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, end - i);
                    keep(bytes, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_END;
                        remaining = 2; // the CRLF after the chunk's data
                    }
                }
                case CHUNK_END -> {
                    int n = (int) Math.min(remaining, end - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_SIZE;
                    }
                }
                case TRAILER -> i = trailer(bytes, i, end);
                case BROKEN -> i = end;
            }
        }
    }

    /** Whether the stream stopped being HTTP as expected (a head too long, a bad length); counting stopped. */
    boolean broken() {
        return state == State.BROKEN;
    }

    private int head(byte[] bytes, int i, int end, long nowNanos) {
        while (i < end) {
            byte b = bytes[i++];
            if (line.size() == 0 && (b == '\r' || b == '\n')) {
                continue; // empty lines between requests are allowed and mean nothing
            }
            if (line.size() == 0) {
                startNanos = nowNanos;
                tail = 0;
            }
            line.write(b);
            tail = (tail << 8) | (b & 0xff);
            // CRLF CRLF, or LF LF (bare LF line ends, which servers accept too)
            if (tail == 0x0d0a0d0a || (tail & 0xffff) == 0x0a0a) {
                headComplete(line.toString(StandardCharsets.ISO_8859_1));
                line.reset();
                return i;
            }
            if (line.size() > MAX_HEAD) {
                state = State.BROKEN;
                return end;
            }
        }
        return i;
    }

    private void headComplete(String head) {
        String[] lines = head.split("\r?\n");
        if (!REQUEST_LINE.matcher(lines[0]).matches()) {
            state = State.BROKEN; // not a request: nothing after it can be framed
            return;
        }
        String[] requestLine = lines[0].split(" ");
        method = requestLine[0];
        target = requestLine[1];
        long contentLength = 0;
        boolean chunked = false;
        for (int k = 1; k < lines.length; k++) {
            int colon = lines[k].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[k].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[k].substring(colon + 1).trim();
            if (name.equals("content-length")) {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    state = State.BROKEN;
                    return;
                }
            } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
        body.reset();
        if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (contentLength > 0) {
            state = State.BODY;
            remaining = contentLength;
        } else {
            complete();
        }
    }

    private int chunkSize(byte[] bytes, int i, int end) {
        while (i < end) {
            byte b = bytes[i++];
            line.write(b);
            if (b == '\n') {
                String size = line.toString(StandardCharsets.ISO_8859_1).strip();
                line.reset();
                int semicolon = size.indexOf(';'); // chunk extensions
                try {
                    remaining = Long.parseLong(semicolon < 0 ? size : size.substring(0, semicolon).strip(), 16);
                } catch (NumberFormatException e) {
                    state = State.BROKEN;
                    return end;
                }
                state = remaining == 0 ? State.TRAILER : State.CHUNK_DATA;
                return i;
            }
            if (line.size() > MAX_HEAD) {
                state = State.BROKEN;
                return end;
            }
        }
        return i;
    }

    private int trailer(byte[] bytes, int i, int end) {
        while (i < end) {
            byte b = bytes[i++];
            line.write(b);
            if (b == '\n') {
                boolean blank = line.size() <= 2;
                line.reset();
                if (blank) {
                    complete();
                    return i;
                }
            }
        }
        return i;
    }

    private void keep(byte[] bytes, int offset, int length) {
        int room = MAX_KEPT_BODY - body.size();
        if (room > 0) {
            body.write(bytes, offset, Math.min(room, length));
        }
    }

    private void complete() {
        byte[] kept = body.toByteArray();
        completed.accept(new RelayedRequest(connection, startNanos, method, target,
                java.util.List.copyOf(MetadataStatements.of(kept, kept.length))));
        body.reset();
        state = State.HEAD;
    }
}
