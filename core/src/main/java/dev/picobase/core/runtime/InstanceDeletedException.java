package dev.picobase.core.runtime;

/**
 * The instance is being deleted or was deleted: it is never started or saved again. The gateway
 * answers as for an unknown instance; the control API as for a missing one.
 */
public final class InstanceDeletedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InstanceDeletedException(String instanceId) {
        super("instance " + instanceId + " was deleted", null, false, false);
    }
}
