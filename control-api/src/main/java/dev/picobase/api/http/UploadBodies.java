package dev.picobase.api.http;

import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Collects the bodies of code uploads ({@code PUT /api/instances/:id/files/...}), which may be far
 * larger than the JSON bodies {@link JsonBodyAggregator} allows: up to {@code maxBytes}
 * ({@code PICOBASE_DEPLOY_MAX_BYTES}), then passed on whole (the JSON aggregator lets a whole
 * request through). Memory stays bounded: an upload holds one of the {@link UploadSlots} (a few in
 * all, a share per client address, one per instance) from its head until its answer is written;
 * with none to take it is answered 429 with {@code Retry-After} before its body is read. A body over the limit is answered 413 as soon as
 * its {@code Content-Length} or its bytes show it, and the connection closed so the rest is never read.
 *
 * <p>Threading: one instance per connection, on its event loop; the slots are shared.
 */
public final class UploadBodies extends ChannelDuplexHandler {
    private static final Pattern UPLOAD = Pattern.compile("/api/instances/([^/?]+)/files/[^?]+(\\?.*)?");
    private static final Runnable NOT_AN_UPLOAD = () -> {};

    private final long maxBytes;
    private final UploadSlots slots;
    /** For each request passed on, in order: what its answer gives back (an upload's slot, or nothing). */
    private final ArrayDeque<Runnable> answersOwed = new ArrayDeque<>();
    private HttpRequest head;
    private Runnable slot;
    private CompositeByteBuf body;
    private boolean discarding;

    /** @param slots shared by every connection: which uploads may be held in memory at once */
    /** How long a refused upload's remaining bytes are read and dropped before the connection closes. */
    static final long LINGER_MILLIS = 2_000;

    public UploadBodies(long maxBytes, UploadSlots slots) {
        this.maxBytes = maxBytes;
        this.slots = slots;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discarding) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request && !(msg instanceof HttpContent)) {
            Matcher upload = UPLOAD.matcher(request.uri());
            if (request.decoderResult().isSuccess() && HttpMethod.PUT.equals(request.method()) && upload.matches()) {
                begin(ctx, request, upload.group(1));
                return;
            }
        }
        if (head != null && msg instanceof HttpContent content) {
            collect(ctx, content);
            return;
        }
        if (msg instanceof LastHttpContent) {
            answersOwed.add(NOT_AN_UPLOAD);
        }
        ctx.fireChannelRead(msg);
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest request, String instanceId) {
        if (HttpUtil.getContentLength(request, -1L) > maxBytes) {
            refuse(ctx, ErrorResponses.of(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                    "the upload is larger than " + maxBytes + " bytes (PICOBASE_DEPLOY_MAX_BYTES)"));
            return;
        }
        InetAddress peer = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        Optional<Runnable> taken = slots.take(peer, instanceId);
        if (taken.isEmpty()) {
            FullHttpResponse busy = ErrorResponses.of(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited",
                    "too many uploads at once (from this address, or to this instance); try again shortly");
            busy.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            refuse(ctx, busy);
            return;
        }
        slot = taken.get();
        head = request;
        body = ctx.alloc().compositeBuffer(1024);
        if (HttpUtil.is100ContinueExpected(request)) {
            request.headers().remove(HttpHeaderNames.EXPECT);
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
    }

    private void collect(ChannelHandlerContext ctx, HttpContent content) {
        if (body.readableBytes() + (long) content.content().readableBytes() > maxBytes) {
            content.release();
            dropUpload();
            refuse(ctx, ErrorResponses.of(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                    "the upload is larger than " + maxBytes + " bytes (PICOBASE_DEPLOY_MAX_BYTES)"));
            return;
        }
        body.addComponent(true, content.content().retain());
        content.release();
        if (content instanceof LastHttpContent last) {
            DefaultFullHttpRequest whole = new DefaultFullHttpRequest(head.protocolVersion(), head.method(),
                    head.uri(), body, head.headers(), last.trailingHeaders());
            HttpUtil.setContentLength(whole, body.readableBytes());
            whole.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            head = null;
            body = null;
            answersOwed.add(slot);
            slot = null;
            ctx.fireChannelRead(whole);
        }
    }

    /**
     * Answers and ends the connection without reading the rest of the upload — with a lingering close,
     * as nginx's {@code lingering_close}: the answer goes out followed by the end of our side, and what
     * the client still sends is read and dropped until it closes, for at most {@link #LINGER_MILLIS}.
     * Closing at once, with the client's body still arriving, resets the connection, and a client that
     * is still sending (Java's HttpClient, curl without 100-continue) then loses the answer.
     */
    private void refuse(ChannelHandlerContext ctx, FullHttpResponse response) {
        discarding = true;
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        // Written past the HttpServerKeepAliveHandler in front of this one: it closes a connection as soon
        // as a Connection: close answer is written, which is the reset this close must not be.
        ChannelHandlerContext keepAlive = ctx.pipeline().context(HttpServerKeepAliveHandler.class);
        (keepAlive != null ? keepAlive : ctx).writeAndFlush(response).addListener(written -> {
            if (written.isSuccess() && ctx.channel() instanceof SocketChannel socket) {
                socket.shutdownOutput();
                ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                ctx.close();
            }
        });
    }

    /** An upload given up before it was passed on: its bytes and its slot go back. */
    private void dropUpload() {
        if (head != null) {
            body.release();
            head = null;
            body = null;
            slot.run();
            slot = null;
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse r
                && r.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
            Runnable owed = answersOwed.poll();
            if (owed != null) {
                owed.run();
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropUpload();
        for (Runnable owed; (owed = answersOwed.poll()) != null; ) {
            owed.run();
        }
        ctx.fireChannelInactive();
    }
}
