package dev.picobase.api.domains;

import dev.picobase.core.io.DaemonThreads;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * TXT lookups through Netty's DNS resolver, against {@code PICOBASE_DNS_RESOLVER} or the system's
 * resolvers. Nothing is cached here: a re-check must see a record that was just removed.
 *
 * <p>Threading: {@link #lookup} never blocks; the resolver runs on one event loop of its own, and
 * callers that wait on the answer do it on the API's blocking executor or the re-check thread.
 */
public final class TxtRecords implements AutoCloseable {
    static final long TIMEOUT_MILLIS = 5_000;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, DaemonThreads.named("dns"),
            NioIoHandler.newFactory());
    private final DnsNameResolver resolver;

    public TxtRecords(Optional<String> server) {
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder(group.next())
                .datagramChannelType(NioDatagramChannel.class)
                .queryTimeoutMillis(TIMEOUT_MILLIS)
                .resolveCache(NoopDnsCache.INSTANCE)
                .recursionDesired(true)
                .nameServerProvider(server.map(TxtRecords::provider)
                        .orElseGet(DnsServerAddressStreamProviders::platformDefault));
        this.resolver = builder.build();
    }

    private static DnsServerAddressStreamProvider provider(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        return new SingletonDnsServerAddressStreamProvider(
                new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1))));
    }

    /**
     * The TXT strings at {@code name} (each record's strings joined); empty when the DNS says the name
     * has none; failed when no answer came (timeout, unreachable server).
     */
    public CompletableFuture<List<String>> lookup(String name) {
        CompletableFuture<List<String>> answer = new CompletableFuture<>();
        resolver.resolveAll(new DefaultDnsQuestion(name, DnsRecordType.TXT)).addListener(f -> {
            if (!f.isSuccess()) {
                // NXDOMAIN and "no TXT record" both mean: not there.
                if (f.cause() instanceof java.net.UnknownHostException && !timedOut(f.cause())) {
                    answer.complete(List.of());
                } else {
                    answer.completeExceptionally(f.cause());
                }
                return;
            }
            @SuppressWarnings("unchecked")
            List<DnsRecord> records = (List<DnsRecord>) f.getNow();
            List<String> texts = new ArrayList<>();
            try {
                for (DnsRecord r : records) {
                    if (r instanceof DnsRawRecord raw && r.type() == DnsRecordType.TXT) {
                        texts.add(strings(raw.content()));
                    }
                }
            } finally {
                records.forEach(ReferenceCountUtil::release);
            }
            answer.complete(texts);
        });
        return answer.orTimeout(2 * TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Netty reports a query nobody answered as an unknown host too; that is not an answer. */
    private static boolean timedOut(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.netty.resolver.dns.DnsNameResolverTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** A TXT record's character-strings (each a length byte and that many bytes), joined. */
    private static String strings(ByteBuf content) {
        ByteBuf b = content.duplicate();
        StringBuilder text = new StringBuilder();
        while (b.isReadable()) {
            int length = b.readUnsignedByte();
            text.append(b.readCharSequence(Math.min(length, b.readableBytes()), StandardCharsets.UTF_8));
        }
        return text.toString();
    }

    @Override
    public void close() {
        resolver.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
