package dev.picobase.core.code;

import dev.picobase.core.io.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The files of one code tree on disk: listed, one written or deleted, or the whole tree replaced
 * by a zip's contents. Every path an owner names is checked first ({@link #checkedPath}): relative,
 * {@code /}-separated, no {@code .} or {@code ..} segment, no control characters; and no component on
 * disk may be a link, so nothing written lands outside the tree. Writes go to a temporary name and
 * are renamed into place; a whole tree is extracted beside the instance's data and swapped in by
 * rename, the old one deleted after.
 *
 * <p>Threading: blocking file I/O; the lifecycle calls the writing methods under the instance's lock,
 * with PocketBase stopped.
 */
public final class CodeFiles {
    /** Beside {@code pb_data}, never in a snapshot: a tree being extracted, or the one it replaced. */
    static final String STAGING = "code-staging";
    /** In {@link #STAGING}: the tree a replace moved aside, {@code old-<tree>}. */
    private static final String OLD = "old-";

    private CodeFiles() {}

    /** {@code raw} as a path inside a tree, or {@link CodeRejectedException} ({@code invalid_path}) saying why not. */
    public static String checkedPath(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw invalid("the file path is empty");
        }
        if (raw.length() > CodeLimits.MAX_PATH_LENGTH) {
            throw invalid("the path '" + shown(raw) + "' is longer than " + CodeLimits.MAX_PATH_LENGTH + " characters");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw invalid("the path '" + shown(raw) + "' contains a control character or a backslash");
            }
        }
        if (raw.startsWith("/")) {
            throw invalid("the path '" + shown(raw) + "' is absolute; paths are relative to the tree");
        }
        String[] segments = raw.split("/", -1);
        if (segments.length > CodeLimits.MAX_DEPTH) {
            throw invalid("the path '" + shown(raw) + "' is deeper than " + CodeLimits.MAX_DEPTH + " directories");
        }
        for (String s : segments) {
            if (s.equals("..") || s.equals(".")) {
                throw invalid("the path '" + shown(raw) + "' has a '" + s + "' segment");
            }
            if (s.isEmpty()) {
                throw invalid("the path '" + shown(raw) + "' has an empty segment");
            }
        }
        return raw;
    }

    /** Every file of the tree at {@code treeDir}, by path; empty when it does not exist. Links are not followed. */
    public static List<CodeFile> list(Path treeDir) {
        List<CodeFile> files = new ArrayList<>();
        if (!Files.isDirectory(treeDir, LinkOption.NOFOLLOW_LINKS)) {
            return files;
        }
        try {
            Files.walkFileTree(treeDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    if (attributes.isRegularFile()) {
                        files.add(new CodeFile(treeDir.relativize(file).toString(), attributes.size(), sha256(file),
                                attributes.lastModifiedTime().toInstant()));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + treeDir, e);
        }
        files.sort(Comparator.comparing(CodeFile::path));
        return files;
    }

    /**
     * Writes one file ({@code path} already {@link #checkedPath checked}) into the tree, creating its
     * directories; refused when the tree would then hold more files or bytes than {@code limits}, or
     * when the path runs through a link or a file, or names a directory.
     */
    public static CodeFile write(Path treeDir, String path, byte[] content, CodeLimits limits) {
        try {
            Path target = inside(treeDir, path);
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw invalid("'" + path + "' is a directory");
            }
            List<CodeFile> existing = list(treeDir);
            long bytes = existing.stream().filter(f -> !f.path().equals(path)).mapToLong(CodeFile::size).sum();
            long count = existing.stream().filter(f -> !f.path().equals(path)).count();
            if (count + 1 > limits.maxFiles()) {
                throw new CodeRejectedException("too_many_files", "the tree would hold more than "
                        + limits.maxFiles() + " files");
            }
            if (bytes + content.length > limits.maxBytes()) {
                throw new CodeRejectedException("too_large", "the tree would hold more than " + limits.maxBytes()
                        + " bytes");
            }
            Files.createDirectories(target.getParent());
            Path temporary = target.resolveSibling("." + target.getFileName() + ".picobase-upload");
            Files.write(temporary, content);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class);
            return new CodeFile(path, attributes.size(), sha256(target), attributes.lastModifiedTime().toInstant());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    /** Deletes one file, and the directories it leaves empty; false when there is no such file. */
    public static boolean delete(Path treeDir, String path) {
        try {
            Path target = inside(treeDir, path);
            if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            Files.delete(target);
            for (Path dir = target.getParent(); !dir.equals(treeDir); dir = dir.getParent()) {
                try (var entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        break;
                    }
                }
                Files.delete(dir);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    /**
     * Replaces the whole tree with the zip's contents ({@link CodeArchive}): extracted beside
     * {@code pbData} first (nothing changes if the zip is refused), then swapped in by two renames;
     * an empty zip leaves an empty tree. Returns the new tree's files.
     */
    public static List<CodeFile> replace(Path pbData, CodeTree tree, byte[] zip, CodeLimits limits) {
        Path staging = pbData.resolveSibling(STAGING);
        try {
            FileTrees.delete(staging); // a crash's leftovers
            Path fresh = staging.resolve("new");
            Files.createDirectories(fresh);
            CodeArchive.extract(zip, limits, fresh);
            Path treeDir = tree.in(pbData);
            Files.createDirectories(treeDir.getParent());
            if (Files.exists(treeDir, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(treeDir, staging.resolve(OLD + tree.dirName()), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(fresh, treeDir, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.delete(staging);
            return list(treeDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace " + tree.dirName(), e);
        }
    }

    /**
     * At the platform's start, for an instance whose {@link #replace} a crash cut between its two
     * renames: the tree it had moved aside goes back (its replacement was never saved), so the
     * instance does not start, or get saved, without it. Then the staging directory goes.
     */
    public static void recoverInterruptedReplace(Path pbData) {
        Path staging = pbData.resolveSibling(STAGING);
        if (!Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            for (CodeTree tree : CodeTree.values()) {
                Path old = staging.resolve(OLD + tree.dirName());
                if (Files.isDirectory(old, LinkOption.NOFOLLOW_LINKS)
                        && !Files.exists(tree.in(pbData), LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(tree.in(pbData).getParent());
                    Files.move(old, tree.in(pbData), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            FileTrees.delete(staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot put back the code trees of " + pbData, e);
        }
    }

    /** {@code path} under {@code treeDir}, refused if any part of it that exists is a link or a file. */
    private static Path inside(Path treeDir, String path) throws IOException {
        Path target = treeDir.resolve(checkedPath(path)).normalize();
        if (!target.startsWith(treeDir) || target.equals(treeDir)) {
            throw invalid("the path '" + shown(path) + "' is outside the tree");
        }
        for (Path p = treeDir; ; ) {
            if (Files.isSymbolicLink(p)) {
                throw invalid("'" + treeDir.relativize(p) + "' is a link; links are not deployed");
            }
            if (p.equals(target)) {
                break;
            }
            if (!p.equals(treeDir) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                throw invalid("'" + treeDir.relativize(p) + "' is a file, not a directory");
            }
            p = p.resolve(target.getName(p.getNameCount()));
        }
        return target;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static CodeRejectedException invalid(String message) {
        return new CodeRejectedException("invalid_path", message);
    }

    /** A path as quoted back: shortened, so a 10 KiB name does not come back in the error. */
    static String shown(String raw) {
        String s = raw.length() > 80 ? raw.substring(0, 80) + "…" : raw;
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
