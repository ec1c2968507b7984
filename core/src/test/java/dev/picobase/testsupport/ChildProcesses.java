package dev.picobase.testsupport;

import java.util.concurrent.TimeUnit;

/** Stopping the programs tests start (nginx, Prometheus, node, the platform script). */
public final class ChildProcesses {
    private ChildProcesses() {}

    /**
     * SIGTERM, as {@code kill} would, and SIGKILL if {@code process} has not exited within ten seconds;
     * returns once it has exited (or a further ten seconds passed). An interrupt kills it at once.
     */
    public static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
