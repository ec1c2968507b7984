package dev.picobase.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes that survive a power cut. A write, a rename or a new directory entry sits in the page
 * cache until the kernel flushes it; after a power loss a renamed file may come back empty or torn,
 * and a rename or a delete may be undone, in any order. Where a later step trusts an earlier one
 * (a marker that says "the local copy is snapshot X", a pointer to an uploaded object), the earlier
 * one is forced to disk first: the file's content with {@code fsync}, and its name with an
 * {@code fsync} of the directory holding it (on Linux a directory opens for reading and forces like
 * a file).
 *
 * <p>Threading: static, blocking (each call waits for the disk); call from a blocking executor.
 */
public final class Durable {
    private Durable() {}

    /** Forces {@code file}'s content and metadata to disk. */
    public static void force(Path file) throws IOException {
        // Opened for reading: on Linux fsync needs no write access, so a read-only file forces too.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Forces {@code dir}'s entries (files created, renamed or deleted in it) to disk. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Forces every file and directory under {@code root}, {@code root} included (not its parent).
     * Files and directories that vanish meanwhile (a running PocketBase deletes what it likes) are
     * skipped: what is gone needs no forcing.
     */
    public static void forceTree(Path root) throws IOException {
        forceTree(root, true);
    }

    /** Forces every directory under {@code root}, {@code root} included: their entries, not the files' content. */
    public static void forceDirectories(Path root) throws IOException {
        forceTree(root, false);
    }

    private static void forceTree(Path root, boolean files) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (files && attributes.isRegularFile()) {
                    try {
                        force(file);
                    } catch (NoSuchFileException vanished) {
                        // deleted since it was listed
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                try {
                    forceDirectory(dir);
                } catch (NoSuchFileException vanished) {
                    // deleted since it was listed
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Replaces {@code file} with {@code text} so that after a crash it holds either the old text or
     * the whole new one: written to {@code <name>.tmp} beside it, forced, renamed over it, and the
     * directory forced. A crash may leave the {@code .tmp}; the next write replaces it.
     */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(file.getParent());
    }

    /** Deletes {@code file} if it exists, and forces its directory so that the delete is not undone. */
    public static void delete(Path file) throws IOException {
        if (Files.deleteIfExists(file)) {
            forceDirectory(file.getParent());
        }
    }

    /**
     * Creates {@code dir} and its missing ancestors, forcing each new one's parent so that none of
     * them vanishes with a power cut (taking what was later put in it along).
     */
    public static void createDirectories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path created = missing.pop();
            Files.createDirectories(created); // tolerates a concurrent creation of the same directory
            forceDirectory(created.getParent());
        }
    }
}
