package dev.picobase.core.runtime;

/**
 * Told when a PocketBase process that had started successfully exits without PicoBase asking it
 * to (crash, out-of-memory kill, someone's {@code kill -9}). The caller marks the instance
 * {@code failed} with the reason; the runtime has already forgotten the process and released its
 * port when this is called, so a restart may begin right away.
 *
 * <p>Threading: called on a JDK process-reaper or log-reader thread as soon as the exit is seen;
 * must not block (hand slow work, such as a metadata write, to an executor).
 */
@FunctionalInterface
public interface UnexpectedExitListener {
    void exited(String instanceId, int exitCode, String reason);
}
