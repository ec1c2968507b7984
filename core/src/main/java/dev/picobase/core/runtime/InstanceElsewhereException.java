package dev.picobase.core.runtime;

/**
 * Another node holds the instance's lease (cluster mode): this node must not start it. With a
 * cluster secret the gateway forwards the request one hop to the owner's gateway; otherwise (or for
 * a request that was forwarded already) it answers 503 with {@code Retry-After} naming the owner.
 */
public final class InstanceElsewhereException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String owner;

    public InstanceElsewhereException(String instanceId, String owner) {
        super("instance " + instanceId + " is served by node " + owner, null, false, false);
        this.owner = owner;
    }

    /** The node that holds the lease. */
    public String owner() {
        return owner;
    }
}
