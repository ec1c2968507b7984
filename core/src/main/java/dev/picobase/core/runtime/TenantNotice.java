package dev.picobase.core.runtime;

import dev.picobase.core.snapshot.SnapshotCorruptException;
import dev.picobase.core.storage.ObjectStoreException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What a tenant is told when its instance cannot be started: a stable code and a short message, never
 * the internal cause. The cause of a failed restore names the operator's object-storage endpoint, its
 * bucket and the platform's local paths; it belongs in the operator's log (where the lifecycle writes
 * it whole), not in a tenant's 503 or in the instance's {@code statusReason}. What PocketBase itself
 * printed is the tenant's own business and stays in the instance's logs ({@code GET .../logs}).
 */
public record TenantNotice(String code, String message) {
    public static final TenantNotice START_FAILED = new TenantNotice("start_failed",
            "PocketBase did not start; its output is in the instance's logs");
    public static final TenantNotice DATA_UNREADABLE = new TenantNotice("data_unreadable",
            "the instance's saved data could not be read; restore a backup, or ask the operator");
    public static final TenantNotice STORAGE_UNAVAILABLE = new TenantNotice("storage_unavailable",
            "the instance's data could not be fetched from storage; try again shortly");
    public static final TenantNotice UNAVAILABLE = new TenantNotice("instance_unavailable",
            "the instance could not be started; try again shortly");

    /** The notice for a start that failed with {@code failure} (the cause of a wrapper is looked at too). */
    public static TenantNotice of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InstanceStartException start) {
                // PocketBase's own words (a hook's error) are the tenant's business; paths are taken out.
                return start.tenantDetail().map(d -> new TenantNotice(START_FAILED.code(),
                        "PocketBase did not start: " + d + " (its whole output is in the instance's logs)"))
                        .orElse(START_FAILED);
            }
            if (t instanceof SnapshotCorruptException) {
                return DATA_UNREADABLE;
            }
            if (t instanceof ObjectStoreException || t instanceof UncheckedIOException || t instanceof IOException) {
                return STORAGE_UNAVAILABLE;
            }
        }
        return UNAVAILABLE;
    }
}
