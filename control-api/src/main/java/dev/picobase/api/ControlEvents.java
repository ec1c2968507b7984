package dev.picobase.api;

import dev.picobase.core.model.Instance;

/**
 * What the control API tells the rest of the process about, as it happens: the gateway's route
 * table learns of new and deleted instances, and its key cache forgets revoked keys at once.
 * Called on the API's blocking executor after the change is stored (a deletion: before it begins);
 * must not block for long.
 */
public interface ControlEvents {
    ControlEvents NONE = new ControlEvents() { };

    default void instanceCreated(Instance instance) {
    }

    /**
     * Before the instance is deleted: from now on no request may reach it, so its route goes and its
     * keys' cached verdicts and open streams with it (the lifecycle also refuses to wake it).
     */
    default void instanceDeleting(Instance instance, java.util.List<String> keyIds) {
    }

    default void keyRevoked(String keyId) {
    }

    /** The instance's own rate limit was set or cleared: the gateway counts by it from now on. */
    default void rateLimitChanged(Instance instance) {
    }

    /** An account was suspended: its keys stop working at once, as revoked keys do (streams closed too). */
    default void accountSuspended(java.util.List<String> keyIds) {
    }

    /** A custom domain was verified, failed its check or was removed: its cached route goes. */
    default void domainChanged(String hostname) {
    }

    /** A suspended account was reactivated: its keys are checked against the database again. */
    default void accountReactivated(java.util.List<String> keyIds) {
    }
}
