package dev.picobase.proxy.keys;

/**
 * The outcome of checking a presented API key for one instance. {@code keyId} is set when the key
 * is one of ours and valid (for last-used bookkeeping); {@code storedHash} lets a cached verdict be
 * re-validated against the database without running bcrypt again.
 */
public record KeyVerdict(boolean valid, String instanceId, String keyId, String storedHash) {
    static final KeyVerdict INVALID = new KeyVerdict(false, null, null, null);

    public boolean validFor(String instance) {
        return valid && instance.equals(instanceId);
    }
}
