package dev.picobase.api;

import dev.picobase.core.model.Instance;

/**
 * What the control API tells the rest of the process about, as it happens: the gateway's route
 * table learns of new and deleted instances, and its key cache forgets revoked keys at once.
 * Called on the API's blocking executor after the change is stored; must not block for long.
 */
public interface ControlEvents {
    ControlEvents NONE = new ControlEvents() { };

    default void instanceCreated(Instance instance) {
    }

    default void instanceDeleted(Instance instance) {
    }

    default void keyRevoked(String keyId) {
    }
}
