package dev.picobase.bench;

import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * PocketBase on its own, without PicoBase: {@code pocketbase serve} for an instance directory (which
 * holds {@code pb_data}) with the flags PicoBase's runtime uses ({@code PocketBaseProcess.command()}
 * in core: same {@code --dir}, {@code --publicDir}, {@code --hooksDir}, {@code --migrationsDir} (inside
 * {@code pb_data/picobase}), {@code --hooksWatch=false}, {@code --automigrate=false}, {@code --dev=false}), its output going to {@code pocketbase.log} in
 * that directory. Used to build the benchmark's data sets and to measure the floor: spawn to first
 * healthy answer, polled every millisecond on a fresh connection.
 */
final class ColdStartPocketBase implements AutoCloseable {
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);

    private final Path instanceDir;
    private final int port;
    private final Process process;
    private final long spawnedAt;

    private ColdStartPocketBase(Path instanceDir, int port, Process process, long spawnedAt) {
        this.instanceDir = instanceDir;
        this.port = port;
        this.process = process;
        this.spawnedAt = spawnedAt;
    }

    /** Spawns PocketBase on a free port and returns at once; {@link #awaitHealthy} times its boot. */
    static ColdStartPocketBase spawn(Path instanceDir) {
        int port = FreePorts.next();
        Path dir = instanceDir.toAbsolutePath();
        List<String> command = List.of(Tools.pocketbase().toAbsolutePath().toString(), "serve",
                "--http=127.0.0.1:" + port,
                "--dir=" + dir.resolve("pb_data"),
                "--publicDir=" + dir.resolve("pb_data/picobase/pb_public"),
                "--hooksDir=" + dir.resolve("pb_data/picobase/pb_hooks"),
                "--migrationsDir=" + dir.resolve("pb_data/picobase/pb_migrations"),
                "--hooksWatch=false",
                "--automigrate=false",
                "--dev=false");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("pocketbase.log").toFile()));
        // As the runtime does: tenant servers get PATH and locale settings only.
        Map<String, String> env = builder.environment();
        env.keySet().retainAll(List.of("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR"));
        try {
            Files.createDirectories(dir);
            long spawnedAt = System.nanoTime();
            Process process = builder.start();
            process.getOutputStream().close();
            return new ColdStartPocketBase(dir, port, process, spawnedAt);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run PocketBase in " + dir, e);
        }
    }

    int port() {
        return port;
    }

    /** Polls {@code /api/health} every millisecond until it answers 200; returns nanoseconds since spawn. */
    long awaitHealthy() {
        long deadline = spawnedAt + BOOT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("PocketBase in " + instanceDir + " exited with " + process.exitValue()
                        + "; see " + instanceDir.resolve("pocketbase.log"));
            }
            try {
                if (ColdStartHttp.get(port, "/api/health", Map.of(), Duration.ofSeconds(1)).status() == 200) {
                    return System.nanoTime() - spawnedAt;
                }
            } catch (IOException e) {
                // not listening yet
            }
            BenchPlatform.sleep(1);
        }
        throw new IllegalStateException("PocketBase in " + instanceDir + " was not healthy within " + BOOT_TIMEOUT);
    }

    /** SIGTERM (PocketBase then checkpoints its databases) and waits for the exit; SIGKILL after 30 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping PocketBase in " + instanceDir, e);
        }
    }
}
