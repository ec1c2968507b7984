package dev.picobase.core.process;

/** How a stop ended. */
public enum StopOutcome {
    /** Exited on SIGTERM within the grace period: PocketBase checkpointed its databases. */
    TERMINATED,
    /** Ignored SIGTERM for the whole grace period and was killed with SIGKILL. */
    KILLED,
    /** Had already exited before the stop. */
    ALREADY_EXITED,
    /** There was no such process to stop. */
    NOT_RUNNING
}
