package dev.picobase.core.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's PocketBase output, in {@code logs/pocketbase.log}. The operating system writes it:
 * PocketBase's stdout and stderr are the file itself ({@link #redirect}, opened for appending), so no
 * thread of ours copies output while the instance runs; lines are read from the file on demand
 * ({@link #recent}, {@link #since}). The file outlives the process, so {@link #readRecent} answers for a
 * stopped instance too (and after PicoBase restarts).
 *
 * <p>Disk use is bounded: {@link #enforceCap} (called on each of our own appends and every second by
 * the runtime for running instances) moves the file's newest {@code maxBytes} to
 * {@code pocketbase.log.1} and empties the file once it has grown past its cap; PocketBase goes on
 * writing at the start of the emptied file, as with logrotate's {@code copytruncate}. An instance
 * therefore holds at most twice the cap plus what PocketBase prints in a second. Lines are cut at a
 * quarter of the cap (at most 4096 characters) when read, so one endless line holds no more memory
 * than that.
 *
 * <p>Threading: thread-safe; every method blocks on small file operations (at most a few MiB read).
 * A disk error while appending our own lines is logged once and those lines are dropped.
 */
public final class InstanceLog implements AutoCloseable {
    public static final long DEFAULT_MAX_BYTES = 1 << 20;
    private static final long READ_LIMIT = 8 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(InstanceLog.class);

    private final Path file;
    private final Path rotated;
    private final long maxBytes;
    private final int maxLineChars;
    /** Bytes moved out of the file by rotations since this log was opened: marks stay valid across them. */
    private long rotatedAway;
    private boolean diskFailed;
    private boolean closed;

    private InstanceLog(Path file, long maxBytes) {
        this.file = file;
        this.rotated = rotatedFile(file);
        this.maxBytes = maxBytes;
        this.maxLineChars = maxLineChars(maxBytes);
    }

    public static InstanceLog open(Path file) {
        return open(file, DEFAULT_MAX_BYTES);
    }

    /** @param maxBytes the cap of each of the two files */
    public static InstanceLog open(Path file, long maxBytes) {
        if (maxBytes < 64) {
            throw new IllegalArgumentException("log cap must be at least 64 bytes");
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the instance log " + file, e);
        }
        InstanceLog log = new InstanceLog(file, maxBytes);
        log.enforceCap();
        return log;
    }

    public Path file() {
        return file;
    }

    /** Where a process's output goes: appended to the file by the operating system. */
    public synchronized ProcessBuilder.Redirect redirect() {
        enforceCap();
        return ProcessBuilder.Redirect.appendTo(file.toFile());
    }

    /** Adds a line of our own (a start or an exit), cut to the line limit. */
    public synchronized void append(String line) {
        if (closed || diskFailed) {
            return;
        }
        String cut = line.length() > maxLineChars ? line.substring(0, maxLineChars) : line;
        try {
            Files.write(file, (cut + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("cannot write {}, dropping the platform's own lines in it: {}", file, e.toString());
            diskFailed = true;
        }
        enforceCap();
    }

    /**
     * Rotates if the file has grown past its cap: its newest {@code maxBytes} (from a line start)
     * replace {@code pocketbase.log.1}, and the file is emptied in place, so a process appending to it
     * goes on at its start. What the process writes between the copy and the truncation (a moment) is
     * lost, as with {@code copytruncate}.
     */
    public synchronized void enforceCap() {
        try {
            if (Files.size(file) <= maxBytes) {
                return;
            }
        } catch (IOException e) {
            return; // nothing written yet, or unreadable: nothing to rotate
        }
        try (FileChannel current = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = current.size();
            if (size <= maxBytes) {
                return;
            }
            long from = size - maxBytes;
            byte[] tail = read(current, from, size - from);
            int start = 0;
            if (tail.length > 0 && !endsLine(current, from)) {
                // From the first whole line; an endless line (no line break at all) is kept as its last piece.
                while (start < tail.length && tail[start] != '\n') {
                    start++;
                }
                start = start < tail.length ? start + 1 : 0;
            }
            Path fresh = rotated.resolveSibling(rotated.getFileName() + ".tmp");
            try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(ByteBuffer.wrap(tail, start, tail.length - start));
            }
            Files.move(fresh, rotated, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            current.truncate(0);
            rotatedAway += size;
        } catch (NoSuchFileException e) {
            // nothing written yet
        } catch (IOException e) {
            LOG.warn("cannot rotate {}: {}", file, e.toString());
        }
    }

    /** Whether the byte before {@code position} ends a line (or there is none). */
    private static boolean endsLine(FileChannel channel, long position) throws IOException {
        return position == 0 || read(channel, position - 1, 1)[0] == '\n';
    }

    private static byte[] read(FileChannel channel, long position, long length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.position() == buffer.capacity() ? buffer.array()
                : java.util.Arrays.copyOf(buffer.array(), buffer.position());
    }

    /** The last {@code max} lines, oldest first. */
    public List<String> recent(int max) {
        return readRecent(file, max, maxLineChars);
    }

    /** A position to pass to {@link #since}: how many bytes the log has taken so far. */
    public synchronized long mark() {
        try {
            return rotatedAway + (Files.exists(file) ? Files.size(file) : 0);
        } catch (IOException e) {
            return rotatedAway;
        }
    }

    /** Up to {@code max} of the lines written after {@code mark}, oldest first (the newest if more). */
    public synchronized List<String> since(long mark, int max) {
        byte[] newer = bytesFrom(file, Math.max(0, mark - rotatedAway));
        if (mark < rotatedAway) {
            // Rotated since the mark: the older file holds the log's bytes [rotatedAway - its size, rotatedAway).
            byte[] whole = bytesFrom(rotated, 0);
            int from = (int) Math.max(0, Math.min(whole.length, mark - (rotatedAway - whole.length)));
            byte[] both = new byte[whole.length - from + newer.length];
            System.arraycopy(whole, from, both, 0, whole.length - from);
            System.arraycopy(newer, 0, both, whole.length - from, newer.length);
            newer = both;
        }
        return tail(lines(new String(newer, StandardCharsets.UTF_8), maxLineChars), max);
    }

    /** Stops our own appends; the file stays for {@link #readRecent}. */
    @Override
    public synchronized void close() {
        closed = true;
    }

    /** The last {@code max} lines of the log file and its rotated predecessor, oldest first. */
    public static List<String> readRecent(Path file, int max) {
        return readRecent(file, max, maxLineChars(DEFAULT_MAX_BYTES));
    }

    private static List<String> readRecent(Path file, int max, int maxLineChars) {
        List<String> current = lines(new String(bytesFrom(file, 0), StandardCharsets.UTF_8), maxLineChars);
        if (current.size() >= max) {
            return tail(current, max);
        }
        List<String> both = new ArrayList<>(lines(new String(bytesFrom(rotatedFile(file), 0), StandardCharsets.UTF_8),
                maxLineChars));
        both.addAll(current);
        return tail(both, max);
    }

    private static Path rotatedFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".1");
    }

    private static int maxLineChars(long maxBytes) {
        return (int) Math.max(1, Math.min(4096, maxBytes / 4)); // UTF-8: at most 4 bytes a char
    }

    /**
     * The file's bytes from {@code offset} on, at most its last {@link #READ_LIMIT} (a file that grew
     * far past its cap between two rotations is read by its end); none if it does not exist.
     */
    private static byte[] bytesFrom(Path file, long offset) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long from = Math.max(offset, size - READ_LIMIT);
            return from >= size ? new byte[0] : read(channel, from, size - from);
        } catch (NoSuchFileException e) {
            return new byte[0];
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", file, e.toString());
            return new byte[0];
        }
    }

    /** The text's lines without their {@code \n} or {@code \r\n}; a line longer than {@code maxChars} in pieces. */
    static List<String> lines(String text, int maxChars) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            int stop = end < 0 ? text.length() : end;
            int lineEnd = stop > start && text.charAt(stop - 1) == '\r' ? stop - 1 : stop;
            for (int piece = start; piece < lineEnd || piece == start; piece += maxChars) {
                lines.add(text.substring(piece, Math.min(lineEnd, piece + maxChars)));
                if (lineEnd == start) {
                    break;
                }
            }
            start = stop + 1;
        }
        return lines;
    }

    private static List<String> tail(List<String> lines, int max) {
        int from = Math.max(0, lines.size() - Math.max(0, max));
        return List.copyOf(lines.subList(from, lines.size()));
    }
}
