package dev.picobase.api.http;

import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
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
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;

/**
 * Collects the bodies of code uploads ({@code PUT /api/instances/:id/files/...}), which may be far
 * larger than the JSON bodies {@link JsonBodyAggregator} allows: up to {@code maxBytes}
 * ({@code PICOBASE_DEPLOY_MAX_BYTES}), then passed on whole (the JSON aggregator lets a whole
 * request through). Memory stays bounded: an upload holds one of a few permits shared by every
 * connection from its head until its answer is written; with none free it is answered 429 with
 * {@code Retry-After} before its body is read. A body over the limit is answered 413 as soon as
 * its {@code Content-Length} or its bytes show it, and the connection closed so the rest is never read.
 *
 * <p>Threading: one instance per connection, on its event loop; the permits are shared.
 */
public final class UploadBodies extends ChannelDuplexHandler {
    private static final Pattern UPLOAD = Pattern.compile("/api/instances/[^/?]+/files/[^?]+(\\?.*)?");

    private final long maxBytes;
    private final Semaphore permits;
    /** For each request passed on, in order: whether it is an upload holding a permit until its answer. */
    private final ArrayDeque<Boolean> answersOwed = new ArrayDeque<>();
    private HttpRequest head;
    private CompositeByteBuf body;
    private boolean discarding;

    /** @param permits shared by every connection: how many uploads may be held in memory at once */
    public UploadBodies(long maxBytes, Semaphore permits) {
        this.maxBytes = maxBytes;
        this.permits = permits;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discarding) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request && !(msg instanceof HttpContent)) {
            if (request.decoderResult().isSuccess() && HttpMethod.PUT.equals(request.method())
                    && UPLOAD.matcher(request.uri()).matches()) {
                begin(ctx, request);
                return;
            }
        }
        if (head != null && msg instanceof HttpContent content) {
            collect(ctx, content);
            return;
        }
        if (msg instanceof LastHttpContent) {
            answersOwed.add(false);
        }
        ctx.fireChannelRead(msg);
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest request) {
        if (HttpUtil.getContentLength(request, -1L) > maxBytes) {
            refuse(ctx, ErrorResponses.of(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                    "the upload is larger than " + maxBytes + " bytes (PICOBASE_DEPLOY_MAX_BYTES)"));
            return;
        }
        if (!permits.tryAcquire()) {
            FullHttpResponse busy = ErrorResponses.of(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited",
                    "too many uploads at once; try again shortly");
            busy.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            refuse(ctx, busy);
            return;
        }
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
            answersOwed.add(true);
            ctx.fireChannelRead(whole);
        }
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpResponse response) {
        discarding = true;
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** An upload given up before it was passed on: its bytes and its permit go back. */
    private void dropUpload() {
        if (head != null) {
            body.release();
            head = null;
            body = null;
            permits.release();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse r
                && r.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
            if (Boolean.TRUE.equals(answersOwed.poll())) {
                permits.release();
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropUpload();
        for (Boolean upload; (upload = answersOwed.poll()) != null; ) {
            if (upload) {
                permits.release();
            }
        }
        ctx.fireChannelInactive();
    }
}
