package dev.picobase.core.code;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * A code tree uploaded as a zip, checked as it is extracted: every entry's name must be a tree path
 * ({@link CodeFiles#checkedPath}: no {@code ..}, not absolute — the "zip slip"), named once, listed in
 * the zip's central directory and not a symbolic link there (the Unix mode a zip tool records in the
 * external attributes, which {@link ZipInputStream} does not show, so the central directory is read
 * here); and the files may add up to at most the limits, their bytes counted while inflating (a
 * header's sizes are the uploader's word, and a zip bomb's are small).
 *
 * <p>Threading: blocking file I/O on the caller's thread.
 */
public final class CodeArchive {
    private static final int END_OF_CENTRAL_DIRECTORY = 0x06054b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int UNIX = 3;
    private static final int S_IFMT = 0170000;
    private static final int S_IFLNK = 0120000;

    private CodeArchive() {}

    /** Checks the whole zip without writing anything: what {@link #extract} would refuse is refused here. */
    public static void check(byte[] zip, CodeLimits limits) {
        unpack(zip, limits, null);
    }

    /** Extracts the zip into the empty directory {@code into}; on a refusal, what was written is the caller's to remove. */
    public static void extract(byte[] zip, CodeLimits limits, Path into) {
        unpack(zip, limits, into);
    }

    private static void unpack(byte[] zip, CodeLimits limits, Path into) {
        Map<String, Integer> modes = centralDirectory(zip);
        Set<String> seen = new HashSet<>();
        Set<String> files_ = new HashSet<>();
        Set<String> dirs = new HashSet<>();
        long bytes = 0;
        int files = 0;
        byte[] buffer = new byte[1 << 16];
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                String name = entry.getName();
                boolean directory = name.endsWith("/");
                String path = CodeFiles.checkedPath(directory ? name.substring(0, name.length() - 1) : name);
                conflicts(path, directory, files_, dirs);
                if (!seen.add(path)) {
                    throw new CodeRejectedException("invalid_zip", "the zip names '" + CodeFiles.shown(path)
                            + "' twice");
                }
                Integer mode = modes.get(name);
                if (mode == null) {
                    throw new CodeRejectedException("invalid_zip", "the zip's entry '" + CodeFiles.shown(path)
                            + "' is not in its central directory");
                }
                if ((mode & S_IFMT) == S_IFLNK) {
                    throw new CodeRejectedException("invalid_path", "'" + CodeFiles.shown(path)
                            + "' is a symbolic link; links are not deployed");
                }
                Path target = into == null ? null : into.resolve(path).normalize();
                if (target != null && (!target.startsWith(into) || target.equals(into))) {
                    throw CodeFiles.invalid("the path '" + CodeFiles.shown(path) + "' is outside the tree");
                }
                if (directory) {
                    if (target != null) {
                        Files.createDirectories(target);
                    }
                    continue;
                }
                if (++files > limits.maxFiles()) {
                    throw new CodeRejectedException("too_many_files", "the zip holds more than " + limits.maxFiles()
                            + " files");
                }
                OutputStream out = null;
                try {
                    if (target != null) {
                        Files.createDirectories(target.getParent());
                        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                            throw new CodeRejectedException("invalid_zip", "the zip has '" + CodeFiles.shown(path)
                                    + "' both as a file and as a directory");
                        }
                        out = Files.newOutputStream(target);
                    }
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        bytes += n;
                        if (bytes > limits.maxBytes()) {
                            throw new CodeRejectedException("too_large", "the zip's files add up to more than "
                                    + limits.maxBytes() + " bytes");
                        }
                        if (out != null) {
                            out.write(buffer, 0, n);
                        }
                    }
                } finally {
                    if (out != null) {
                        out.close();
                    }
                }
            }
        } catch (java.nio.file.FileSystemException e) { // a file where a directory goes, or the other way round
            throw new CodeRejectedException("invalid_zip", "the zip's paths conflict: " + e.getReason());
        } catch (ZipException e) {
            throw new CodeRejectedException("invalid_zip", "the body is not a valid zip: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Refuses a path that is a file where another entry needs a directory, or the other way round
     * ({@code lib} and {@code lib/x.js}), found before anything is written, so {@link #check} finds it too.
     */
    private static void conflicts(String path, boolean directory, Set<String> files, Set<String> dirs) {
        if (files.contains(path) || (!directory && dirs.contains(path))) {
            if (files.contains(path) && !directory) {
                return; // the same file twice: reported as such by the caller
            }
            throw new CodeRejectedException("invalid_zip", "the zip has '" + CodeFiles.shown(path)
                    + "' both as a file and as a directory");
        }
        for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
            String parent = path.substring(0, i);
            if (files.contains(parent)) {
                throw new CodeRejectedException("invalid_zip", "the zip has '" + CodeFiles.shown(parent)
                        + "' both as a file and as a directory");
            }
            dirs.add(parent);
        }
        (directory ? dirs : files).add(path);
    }

    /** Each entry's name in the central directory, with its Unix mode (0 when the zip recorded none). */
    static Map<String, Integer> centralDirectory(byte[] zip) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int end = -1;
        for (int i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xFFFF); i--) {
            if (b.getInt(i) == END_OF_CENTRAL_DIRECTORY) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            throw new CodeRejectedException("invalid_zip", "the body is not a zip (no end of central directory)");
        }
        int count = Short.toUnsignedInt(b.getShort(end + 10));
        long offset = Integer.toUnsignedLong(b.getInt(end + 16));
        if (count == 0xFFFF || offset == 0xFFFFFFFFL) {
            throw new CodeRejectedException("invalid_zip", "ZIP64 archives are not accepted");
        }
        Map<String, Integer> modes = new HashMap<>();
        try {
            int p = (int) offset;
            for (int i = 0; i < count; i++) {
                if (b.getInt(p) != CENTRAL_HEADER) {
                    throw new CodeRejectedException("invalid_zip", "the zip's central directory is damaged");
                }
                int madeBy = Short.toUnsignedInt(b.getShort(p + 4)) >>> 8;
                int nameLength = Short.toUnsignedInt(b.getShort(p + 28));
                int extraLength = Short.toUnsignedInt(b.getShort(p + 30));
                int commentLength = Short.toUnsignedInt(b.getShort(p + 32));
                int external = b.getInt(p + 38);
                String name = new String(zip, p + 46, nameLength, StandardCharsets.UTF_8);
                if (modes.put(name, madeBy == UNIX ? external >>> 16 : 0) != null) {
                    throw new CodeRejectedException("invalid_zip", "the zip names '" + CodeFiles.shown(name)
                            + "' twice");
                }
                p += 46 + nameLength + extraLength + commentLength;
            }
        } catch (IndexOutOfBoundsException e) {
            throw new CodeRejectedException("invalid_zip", "the zip's central directory is damaged");
        }
        return modes;
    }
}
