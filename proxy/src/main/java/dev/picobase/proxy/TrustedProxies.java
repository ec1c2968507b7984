package dev.picobase.proxy;

import dev.picobase.config.Cidr;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Who the client is. A request's peer is the client unless the peer is one of the operator's
 * trusted proxies ({@code PICOBASE_TRUSTED_PROXIES}, e.g. Caddy terminating TLS in front of the
 * gateway); then the client is the rightmost address in {@code X-Forwarded-For} that is not itself a
 * trusted proxy — the leftmost entries are whatever the client chose to send and prove nothing.
 * Anything a client says about its address (X-Forwarded-For, X-Real-IP and the CDN headers
 * PocketBase believes) is otherwise replaced, see {@link ForwardedRequest#toBackend}.
 *
 * <p>Immutable and thread-safe; pure (no DNS: only address literals are parsed).
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Cidr> ranges;

    public TrustedProxies(List<Cidr> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    public boolean trusts(InetAddress peer) {
        for (Cidr range : ranges) {
            if (range.contains(peer)) {
                return true;
            }
        }
        return false;
    }

    /** The client's address as PocketBase and the per-address limits should see it. */
    public String client(InetAddress peer, HttpHeaders headers) {
        if (ranges.isEmpty() || !trusts(peer)) {
            return peer.getHostAddress();
        }
        String chain = String.join(",", headers.getAll("X-Forwarded-For"));
        String[] hops = chain.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            InetAddress hop = literal(hops[i].strip());
            if (hop == null) {
                break; // garbage in the chain: believe nothing left of it
            }
            if (!trusts(hop)) {
                return hop.getHostAddress();
            }
        }
        return peer.getHostAddress();
    }

    private static InetAddress literal(String text) {
        String s = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(s);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
