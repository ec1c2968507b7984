package dev.picobase.core.snapshot;

import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.io.Durable;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A {@code pb_data} directory as one zip file, and back. The databases are deflated (SQLite pages
 * compress well); uploaded files under {@code storage/} are stored as they are (media does not
 * compress, and deflating it only costs time on every wake-up). The SHA-256 of the archive is
 * computed while it is written; a restore checks it while extracting into a staging directory, and
 * nothing extracted is used unless it matches.
 *
 * <p>Threading: blocking file I/O; call from a blocking executor.
 */
public final class SnapshotArchive {
    /** Bounded: file copies, inflating and hashing for restores, whichever instances are waking. */
    private static final ExecutorService IO = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), DaemonThreads.named("snapshot-io"));

    private SnapshotArchive() {}

    /** Writes {@code pbData} into {@code archive}; returns the archive's SHA-256 (hex). */
    public static String write(Path pbData, Path archive) throws IOException {
        MessageDigest sha = sha256();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(pbData)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(archive),
                1 << 16), sha); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(1); // fast: wake-up time matters more than the last few percent of size
            for (Path file : files) {
                String name = pbData.relativize(file).toString().replace('\\', '/');
                ZipEntry entry = new ZipEntry(name);
                if (name.startsWith("storage/")) {
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(Files.size(file));
                    entry.setCompressedSize(Files.size(file));
                    entry.setCrc(crc(file));
                }
                zip.putNextEntry(entry);
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The SHA-256 (hex) of a file. */
    public static String sha256Of(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Extracts {@code archive} into the empty or missing directory {@code target}, its entries spread
     * over {@link #IO} (a wake-up waits for this: inflating the databases and copying the media
     * files in parallel roughly halves it on two cores). Entry names must stay inside {@code target}.
     * On return every extracted file and directory is on disk (forced), so that a power cut after the
     * caller's rename cannot bring back a torn or empty file; {@code target}'s own entry in its
     * parent is the caller's to force, after its rename.
     */
    public static void extract(Path archive, Path target) throws IOException {
        extract(archive, target, true);
    }

    /**
     * As {@link #extract(Path, Path)}; with {@code force} false nothing is forced to disk, for a
     * caller that forces the tree later (a wake-up, which forces it once PocketBase serves).
     */
    public static void extract(Path archive, Path target, boolean force) throws IOException {
        Files.createDirectories(target);
        Path root = target.toAbsolutePath().normalize();
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            List<? extends ZipEntry> entries = Collections.list(zip.entries());
            for (ZipEntry entry : entries) {
                Path out = destination(root, entry);
                Files.createDirectories(entry.isDirectory() ? out : out.getParent());
            }
            List<? extends ZipEntry> files = entries.stream()
                    .filter(e -> !e.isDirectory())
                    .sorted(Comparator.comparingLong(ZipEntry::getSize).reversed()) // big ones start first
                    .toList();
            List<CompletableFuture<Void>> copies = new ArrayList<>();
            for (ZipEntry entry : files) {
                copies.add(CompletableFuture.runAsync(() -> {
                    try (InputStream in = zip.getInputStream(entry)) {
                        Path out = destination(root, entry);
                        Files.copy(in, out);
                        if (force) {
                            Durable.force(out); // here, so that the forces overlap the other entries' extraction
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, IO));
            }
            try {
                CompletableFuture.allOf(copies.toArray(CompletableFuture[]::new)).join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof UncheckedIOException u ? u.getCause()
                        : new IOException("cannot extract " + archive + ": " + e.getCause(), e.getCause());
            }
        }
        // Every directory below target is new: their entries must be on disk before the caller
        // renames target into place and marks it as a complete snapshot.
        if (force) {
            Durable.forceDirectories(target);
        }
    }

    private static Path destination(Path root, ZipEntry entry) throws IOException {
        Path out = root.resolve(entry.getName()).normalize();
        if (!out.startsWith(root) || out.equals(root)) {
            throw new IOException("archive entry escapes the target: " + entry.getName());
        }
        return out;
    }

    /**
     * The SHA-256 (hex) of a file, computed on {@link #IO} so that a restore can check it while the
     * archive is being extracted into a staging directory (which is discarded on a mismatch).
     */
    public static CompletableFuture<String> sha256Async(Path file) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return sha256Of(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, IO);
    }

    private static long crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                crc.update(buffer, 0, n);
            }
        }
        return crc.getValue();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
