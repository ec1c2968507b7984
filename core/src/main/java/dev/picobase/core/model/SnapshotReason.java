package dev.picobase.core.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * Why a snapshot was taken, as the owner reads it in the backups list: a stop (asked for, an idle
 * stop, or the save of a platform shutting down), a periodic snapshot of a running instance, a manual
 * "back up now", the save of the current data before a restore replaces it, unsaved writes set
 * aside by a node that may not make them current, or a deploy of code or secrets. {@link #code} is what is stored and what the API
 * shows; snapshots taken before reasons were recorded have none.
 */
public enum SnapshotReason {
    STOP("stop"),
    PERIODIC("periodic"),
    MANUAL("manual"),
    BEFORE_RESTORE("before_restore"),
    SET_ASIDE("set_aside"),
    /** Saved right after a code deploy (files, secrets) changed the instance. */
    DEPLOY("deploy"),
    /** A new instance's first data: a copy of another instance's snapshot. */
    CLONE("clone");

    private final String code;

    SnapshotReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The reason stored as {@code code}; empty for none (an older snapshot) or one this version does not know. */
    public static Optional<SnapshotReason> ofCode(String code) {
        return Arrays.stream(values()).filter(r -> r.code.equals(code)).findFirst();
    }
}
