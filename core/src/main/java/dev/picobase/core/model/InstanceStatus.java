package dev.picobase.core.model;

import java.util.Locale;

/**
 * The lifecycle of an instance: {@code stopped} (data in object storage) → {@code starting}
 * (restoring, booting) → {@code running} → {@code stopping} (saving) → {@code stopped};
 * {@code failed} with a reason when something broke.
 */
public enum InstanceStatus {
    STOPPED, STARTING, RUNNING, STOPPING, FAILED;

    /** The lowercase name used in the API and the database. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static InstanceStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
