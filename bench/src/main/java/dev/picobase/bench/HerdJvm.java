package dev.picobase.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The platform JVM's heap as its metrics report it, after a full collection forced with
 * {@code jcmd <pid> GC.run}, so that "used" means live objects rather than garbage not yet collected.
 */
final class HerdJvm {
    private HerdJvm() {}

    /** Live heap: forces a full GC, then sums {@code jvm_memory_used_bytes{area="heap"}}. */
    static long liveHeapBytes(BenchPlatform platform) {
        fullGc(platform.pid());
        return heapUsedBytes(platform);
    }

    static long heapUsedBytes(BenchPlatform platform) {
        return (long) platform.metric("jvm_memory_used_bytes", "area=\"heap\"");
    }

    static long heapCommittedBytes(BenchPlatform platform) {
        return (long) platform.metric("jvm_memory_committed_bytes", "area=\"heap\"");
    }

    static void fullGc(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + pid + " GC.run failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static double mib(long bytes) {
        return Stats.round(bytes / 1048576.0);
    }
}
