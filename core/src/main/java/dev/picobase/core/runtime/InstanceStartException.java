package dev.picobase.core.runtime;

/**
 * A PocketBase process did not become healthy: it could not be run, exited during start-up, or did
 * not answer its health check in time. The message says which and quotes the process's last output.
 */
public final class InstanceStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String instanceId;
    private final boolean portConflict;

    /** Thrown by {@link dev.picobase.core.process.PocketBaseProcess#start} and by {@link InstanceRuntime}. */
    public InstanceStartException(String instanceId, String message, boolean portConflict, Throwable cause) {
        super(message, cause);
        this.instanceId = instanceId;
        this.portConflict = portConflict;
    }

    public String instanceId() {
        return instanceId;
    }

    /** Another program took the port between our probe and PocketBase's bind: worth another port. */
    public boolean portConflict() {
        return portConflict;
    }
}
