package dev.picobase.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * The one hop a request may take between nodes of a cluster. A node that does not hold an
 * instance's lease sends the request, already admitted (its key checked against that node's cache),
 * to the owner's gateway with {@value #HEADER}: {@code <PICOBASE_CLUSTER_SECRET>}. The owner
 * believes such a request — it skips the key check and counts the client by the address the first
 * node saw — and never forwards it again. Whatever carries the header without the right secret, or
 * reaches a node that has no secret, is refused before anything else happens; the header (and the key
 * id that travels with it) never reaches PocketBase.
 *
 * <p>The secret travels as it is, not as an HMAC: the hop runs over the operators' private network
 * between gateways, where the request's API key travels in clear as well. It is compared in
 * constant time.
 *
 * <p>Immutable and thread-safe; pure (header reads and writes only), called on event loops.
 */
public final class ClusterHop {
    /** Marks a request forwarded by another node; its value is the cluster secret. */
    public static final String HEADER = "X-PicoBase-Cluster-Hop";
    /**
     * The key that admitted a forwarded request on the first node, so that revoking it on the owner
     * closes the stream it opened there too. Believed only with a valid {@link #HEADER}.
     */
    public static final String KEY_ID_HEADER = "X-PicoBase-Cluster-Key-Id";

    private static final AsciiString HEADER_NAME = AsciiString.cached("x-picobase-cluster-hop");
    private static final AsciiString KEY_ID_NAME = AsciiString.cached("x-picobase-cluster-key-id");

    /** No secret configured: no request is forwarded, and every hop header is refused. */
    public static final ClusterHop OFF = new ClusterHop(null);

    /** What a request's hop header says. */
    public enum Verdict {
        /** No hop header: an ordinary request from a client. */
        NONE,
        /** Forwarded by another node of this cluster: already admitted there. */
        VALID,
        /** A hop header with a wrong secret, several values, or on a node without a secret. */
        REFUSED
    }

    private final byte[] secret;

    private ClusterHop(byte[] secret) {
        this.secret = secret;
    }

    /** Hops authenticated by {@code secret} ({@code PICOBASE_CLUSTER_SECRET}); {@link #OFF} when absent. */
    public static ClusterHop of(Optional<String> secret) {
        return secret.map(s -> new ClusterHop(s.getBytes(StandardCharsets.UTF_8))).orElse(OFF);
    }

    /** Whether this node may forward requests and accept forwarded ones. */
    public boolean enabled() {
        return secret != null;
    }

    public Verdict check(HttpHeaders headers) {
        if (!headers.contains(HEADER_NAME)) {
            return Verdict.NONE;
        }
        List<String> values = headers.getAll(HEADER_NAME);
        if (secret == null || values.size() != 1) {
            return Verdict.REFUSED;
        }
        byte[] presented = values.get(0).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, secret) ? Verdict.VALID : Verdict.REFUSED;
    }

    /** The key id a valid hop carries (null when none); only meaningful after {@link Verdict#VALID}. */
    public static String keyIdOf(HttpHeaders headers) {
        String id = headers.get(KEY_ID_NAME);
        return id == null || id.isBlank() ? null : id.strip();
    }

    /** Removes the hop headers, whoever sent them: they are never forwarded to PocketBase. */
    public static void strip(HttpHeaders headers) {
        headers.remove(HEADER_NAME);
        headers.remove(KEY_ID_NAME);
    }

    /** The value of {@link #HEADER} for a hop made with another HTTP client (a control call to the owner). */
    public String headerValue() {
        if (secret == null) {
            throw new IllegalStateException("no cluster secret: requests are not forwarded");
        }
        return new String(secret, StandardCharsets.UTF_8);
    }

    /** Marks an outgoing request as this node's hop to the owner; {@code keyId} may be null. */
    public void mark(HttpHeaders headers, String keyId) {
        headers.set(HEADER_NAME, headerValue());
        if (keyId != null) {
            headers.set(KEY_ID_NAME, keyId);
        }
    }
}
