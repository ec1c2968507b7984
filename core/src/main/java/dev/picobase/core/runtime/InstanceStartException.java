package dev.picobase.core.runtime;

/**
 * A PocketBase process did not become healthy: it could not be run, exited during start-up, or did
 * not answer its health check in time. The message says which and quotes the process's last output.
 */
public final class InstanceStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String instanceId;
    private final boolean portConflict;
    private final String tenantDetail;

    /** Thrown by {@link dev.picobase.core.process.PocketBaseProcess#start} and by {@link InstanceRuntime}. */
    public InstanceStartException(String instanceId, String message, boolean portConflict, Throwable cause) {
        this(instanceId, message, portConflict, cause, null);
    }

    /** With {@code tenantDetail}: PocketBase's own first error line, free of the platform's paths. */
    public InstanceStartException(String instanceId, String message, boolean portConflict, Throwable cause,
                                  String tenantDetail) {
        super(message, cause);
        this.instanceId = instanceId;
        this.portConflict = portConflict;
        this.tenantDetail = tenantDetail;
    }

    /** PocketBase's own first error line (e.g. a hook's JavaScript error), fit for the tenant; empty if none. */
    public java.util.Optional<String> tenantDetail() {
        return java.util.Optional.ofNullable(tenantDetail);
    }

    public String instanceId() {
        return instanceId;
    }

    /** Another program took the port between our probe and PocketBase's bind: worth another port. */
    public boolean portConflict() {
        return portConflict;
    }
}
