package dev.picobase.proxy.internal;

import dev.picobase.proxy.TrustedProxies;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The other end of a client connection, settled once per connection, and who the client of each of its
 * requests is: the peer itself; for a trusted proxy the address it names in {@code X-Forwarded-For}
 * ({@link TrustedProxies}); for a valid cluster hop the address the forwarding node set in {@code
 * X-Real-IP} (the one it counted the client by), or that node if it named none.
 */
record Peer(InetAddress address, String text, boolean trusted, TrustedProxies proxies) {
    static Peer of(Channel channel, TrustedProxies proxies) {
        InetAddress a = channel.remoteAddress() instanceof InetSocketAddress s ? s.getAddress()
                : InetAddress.getLoopbackAddress();
        return new Peer(a, a.getHostAddress(), proxies.trusts(a), proxies);
    }

    /** The client address of {@code r}, which arrived as a valid hop or not. */
    String clientOf(HttpRequest r, boolean byHop) {
        if (byHop) {
            String named = r.headers().get("X-Real-IP");
            return named == null || named.isBlank() ? text : named.strip();
        }
        return trusted ? proxies.client(address, r.headers()) : text;
    }

    /** Whether its {@code X-Forwarded-*} headers are believed: a trusted proxy, or a valid hop's node. */
    boolean vouchesFor(Exchange x) {
        return trusted || x.arrivedByHop;
    }
}
