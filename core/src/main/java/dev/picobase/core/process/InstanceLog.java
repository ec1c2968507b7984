package dev.picobase.core.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's PocketBase output: every line goes to {@code logs/pocketbase.log} and into a ring
 * of the most recent lines for {@link #recent} reads. Disk use is bounded: the file is rotated to
 * {@code pocketbase.log.1} before it would grow past its cap, so an instance never holds more than
 * twice the cap, and lines are cut at a quarter of the cap (at most 4096 characters) so one line
 * can neither break the cap nor hold unbounded memory. The file outlives the process, so
 * {@link #readRecent} still answers for a stopped instance (and after PicoBase restarts), and a
 * newly opened log starts its ring with the previous run's last lines.
 *
 * <p>Threading: {@link #capture} reads a process's output on its own daemon thread until end of
 * stream; appends and reads are thread-safe (one lock, held for a buffered write and flush, never
 * while reading the stream). A disk error is logged once and the log goes on in memory only.
 */
public final class InstanceLog implements AutoCloseable {
    public static final long DEFAULT_MAX_BYTES = 1 << 20;
    public static final int DEFAULT_RECENT_LINES = 500;
    private static final Logger LOG = LoggerFactory.getLogger(InstanceLog.class);

    private final Path file;
    private final Path rotated;
    private final long maxBytes;
    private final int maxLineChars;
    private final int capacity;
    private final ArrayDeque<String> ring;
    private long appended;
    private long fileBytes;
    private Writer writer;
    private boolean diskFailed;
    private boolean closed;

    private InstanceLog(Path file, long maxBytes, int capacity) throws IOException {
        this.file = file;
        this.rotated = file.resolveSibling(file.getFileName() + ".1");
        this.maxBytes = maxBytes;
        this.maxLineChars = (int) Math.max(1, Math.min(4096, maxBytes / 4)); // UTF-8: at most 4 bytes a char
        this.capacity = capacity;
        this.ring = new ArrayDeque<>(readRecent(file, capacity));
        this.fileBytes = Files.exists(file) ? Files.size(file) : 0;
    }

    public static InstanceLog open(Path file) {
        return open(file, DEFAULT_MAX_BYTES, DEFAULT_RECENT_LINES);
    }

    /** @param maxBytes the cap of each file; @param recentLines how many lines {@link #recent} keeps */
    public static InstanceLog open(Path file, long maxBytes, int recentLines) {
        if (maxBytes < 64 || recentLines < 1) {
            throw new IllegalArgumentException("log cap must be at least 64 bytes and 1 line");
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return new InstanceLog(file, maxBytes, recentLines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the instance log " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Reads {@code in} line by line on a new daemon thread until end of stream; the future
     * completes when everything has been appended.
     */
    public CompletableFuture<Void> capture(InputStream in, String threadName) {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                pump(r);
            } catch (IOException e) {
                // The process went away with the pipe: nothing more to read.
            } finally {
                drained.complete(null);
            }
        }, threadName);
        reader.setDaemon(true);
        reader.start();
        return drained;
    }

    private void pump(Reader r) throws IOException {
        char[] buf = new char[8192];
        StringBuilder line = new StringBuilder();
        List<String> lines = new ArrayList<>();
        int n;
        while ((n = r.read(buf)) != -1) {
            for (int i = 0; i < n; i++) {
                char c = buf[i];
                if (c == '\n') {
                    lines.add(stripCr(line));
                    line.setLength(0);
                } else {
                    line.append(c);
                    if (line.length() >= maxLineChars) {
                        lines.add(line.toString());
                        line.setLength(0);
                    }
                }
            }
            appendAll(lines);
            lines.clear();
        }
        if (line.length() > 0) {
            appendAll(List.of(stripCr(line)));
        }
    }

    private static String stripCr(StringBuilder line) {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    public void append(String line) {
        appendAll(List.of(line));
    }

    private synchronized void appendAll(List<String> lines) {
        for (String line : lines) {
            String cut = line.length() > maxLineChars ? line.substring(0, maxLineChars) : line;
            ring.addLast(cut);
            if (ring.size() > capacity) {
                ring.removeFirst();
            }
            appended++;
            write(cut);
        }
        flush();
    }

    private void write(String line) {
        if (closed || diskFailed) {
            return;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (fileBytes > 0 && fileBytes + bytes.length > maxBytes) {
                rotate();
            }
            if (writer == null) {
                writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            writer.write(line);
            writer.write('\n');
            fileBytes += bytes.length;
        } catch (IOException e) {
            diskFailed(e);
        }
    }

    private void rotate() throws IOException {
        closeWriter();
        Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING);
        fileBytes = 0;
    }

    private void flush() {
        if (writer != null) {
            try {
                writer.flush();
            } catch (IOException e) {
                diskFailed(e);
            }
        }
    }

    private void diskFailed(IOException e) {
        LOG.warn("cannot write {}, keeping its output in memory only: {}", file, e.toString());
        diskFailed = true;
        try {
            closeWriter();
        } catch (IOException ignored) {
            // already failing
        }
    }

    private void closeWriter() throws IOException {
        if (writer != null) {
            Writer w = writer;
            writer = null;
            w.close();
        }
    }

    /** The last {@code max} lines, oldest first. */
    public synchronized List<String> recent(int max) {
        return tail(new ArrayList<>(ring), max);
    }

    /** A position to pass to {@link #since}: the number of lines appended so far. */
    synchronized long mark() {
        return appended;
    }

    /** Up to {@code max} of the lines appended after {@code mark}, oldest first. */
    synchronized List<String> since(long mark, int max) {
        int count = (int) Math.min(Math.min(appended - mark, ring.size()), max);
        return tail(new ArrayList<>(ring), count);
    }

    /** Stops writing to disk; {@link #recent} keeps answering from memory. */
    @Override
    public synchronized void close() {
        closed = true;
        try {
            closeWriter();
        } catch (IOException e) {
            LOG.warn("cannot close {}: {}", file, e.toString());
        }
    }

    /** The last {@code max} lines of the log file and its rotated predecessor, oldest first. */
    public static List<String> readRecent(Path file, int max) {
        List<String> current = readLines(file);
        if (current.size() >= max) {
            return tail(current, max);
        }
        List<String> both = new ArrayList<>(readLines(file.resolveSibling(file.getFileName() + ".1")));
        both.addAll(current);
        return tail(both, max);
    }

    private static List<String> readLines(Path file) {
        try {
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                return List.of();
            }
            if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - 1);
            }
            return Arrays.asList(text.split("\n", -1));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", file, e.toString());
            return List.of();
        }
    }

    private static List<String> tail(List<String> lines, int max) {
        int from = Math.max(0, lines.size() - Math.max(0, max));
        return List.copyOf(lines.subList(from, lines.size()));
    }
}
