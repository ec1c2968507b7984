package dev.picobase.core.runtime;

/**
 * Told when a PocketBase process that had started successfully exits without PicoBase asking it
 * to (crash, out-of-memory kill, someone's {@code kill -9}, a service manager signalling every
 * process of the service). The caller decides what it means (a failure, or during shutdown a stop
 * to save) and logs it; the runtime has already forgotten the process and released its
 * port when this is called, so a restart may begin right away.
 *
 * <p>Threading: called on a JDK process-reaper or log-reader thread as soon as the exit is seen;
 * must not block (hand slow work, such as a metadata write, to an executor).
 */
@FunctionalInterface
public interface UnexpectedExitListener {
    void exited(String instanceId, int exitCode, String reason);
}
