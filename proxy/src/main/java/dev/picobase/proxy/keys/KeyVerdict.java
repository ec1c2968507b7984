package dev.picobase.proxy.keys;

/**
 * The outcome of checking a presented API key for one instance. {@code keyId} is set when the key
 * is one of ours and valid (for last-used bookkeeping), and on a refusal because no usable key has
 * that id (so the refusal can be forgotten when its account is reactivated); {@code storedHash} lets
 * a cached verdict be re-validated against the database without running bcrypt again.
 */
public record KeyVerdict(boolean valid, String instanceId, String keyId, String storedHash) {
    static final KeyVerdict INVALID = new KeyVerdict(false, null, null, null);

    /** A refusal of a key whose public id names no usable key (none, or one of a suspended account). */
    static KeyVerdict notFound(String publicId) {
        return new KeyVerdict(false, null, publicId, null);
    }

    public boolean validFor(String instance) {
        return valid && instance.equals(instanceId);
    }
}
