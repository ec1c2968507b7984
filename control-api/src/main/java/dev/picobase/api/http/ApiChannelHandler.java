package dev.picobase.api.http;

import dev.picobase.core.store.StoreException;
import dev.picobase.proxy.GatewayErrors;
import dev.picobase.proxy.TrustedProxies;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import io.netty.util.AttributeKey;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes each complete control-API request off the event loop: the body is copied out, the route
 * handler runs on the bounded blocking executor (it may hit the database or run bcrypt), and the
 * response is written back from there (Netty hands the write to the channel's event loop); a download
 * is streamed chunk by chunk from the same executor ({@link BodyStream}). When
 * the executor is full the client gets a 503 with {@code Retry-After} instead of waiting unboundedly.
 * Paths outside {@code /api/} are the admin UI's static files, served from the same executor
 * (their first read comes from the jar).
 */
@ChannelHandler.Sharable
public final class ApiChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiChannelHandler.class);

    private static final AttributeKey<CompletableFuture<Void>> LAST_ANSWER = AttributeKey.valueOf("picobase.lastAnswer");

    private final Router router;
    private final StaticAssets assets;
    private final Executor blocking;
    private final TrustedProxies proxies;

    /** @param proxies peers whose {@code X-Forwarded-For} names the client (sign-in limits count clients) */
    public ApiChannelHandler(Router router, StaticAssets assets, Executor blocking, TrustedProxies proxies) {
        this.router = router;
        this.assets = assets;
        this.blocking = blocking;
        this.proxies = proxies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        if (msg.decoderResult().isFailure()) {
            Throwable cause = msg.decoderResult().cause();
            HttpResponseStatus status = GatewayErrors.statusForDecoderFailure(cause);
            FullHttpResponse response = ErrorResponses.of(status, "malformed_request",
                    "the request is not valid HTTP: " + cause.getMessage());
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(msg);
        String client = ctx.channel().remoteAddress() instanceof InetSocketAddress a
                ? proxies.client(a.getAddress(), msg.headers()) : "unknown";
        // Requests on one connection are answered in the order they came (HTTP/1.1 pipelining),
        // although API handlers run on a shared pool: each answer waits for the previous one.
        CompletableFuture<Void> previous = ctx.channel().attr(LAST_ANSWER).get();
        // A streamed answer (a download) counts as sent once its last byte is written.
        CompletableFuture<Object> answer = answer(msg, client);
        CompletableFuture<Void> sent = (previous == null ? answer : previous.thenCombine(answer, (v, r) -> r))
                .thenCompose(response -> send(ctx, response, keepAlive));
        ctx.channel().attr(LAST_ANSWER).set(sent);
    }

    /**
     * The response to {@code msg} (a {@link FullHttpResponse}, or a {@link BodyStream} for a download):
     * a bad URI at once, everything else from the blocking pool.
     */
    private CompletableFuture<Object> answer(FullHttpRequest msg, String client) {
        ApiRequest request;
        try {
            request = ApiRequest.of(msg.method(), msg.uri(), msg.headers().copy(),
                    ByteBufUtil.getBytes(msg.content()), client);
        } catch (IllegalArgumentException badUri) {
            return CompletableFuture.completedFuture(ErrorResponses.of(HttpResponseStatus.BAD_REQUEST,
                    "malformed_request", "the request URI is not valid: " + badUri.getMessage()));
        }
        CompletableFuture<Object> answer = new CompletableFuture<>();
        try {
            blocking.execute(() -> {
                try {
                    // Static files too: the first read of each comes from the jar, which is I/O.
                    answer.complete(request.path().startsWith("/api/") ? handle(request) : assets.serve(request));
                } catch (Throwable t) { // an Error too: the client must get an answer, not a hang
                    LOG.error("{} {} failed", request.method(), request.path(), t);
                    answer.complete(ErrorResponses.of(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal",
                            "internal error"));
                }
            });
        } catch (RejectedExecutionException busy) {
            FullHttpResponse response = ErrorResponses.of(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy",
                    "the server is busy; try again shortly");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            answer.complete(response);
        }
        return answer;
    }

    private Object handle(ApiRequest request) {
        try {
            return toHttp(router.dispatch(request));
        } catch (ApiException e) {
            return ErrorResponses.of(e);
        } catch (StoreException e) {
            LOG.error("{} {} failed: {}", request.method(), request.path(), e.getMessage());
            FullHttpResponse response = ErrorResponses.of(HttpResponseStatus.SERVICE_UNAVAILABLE, "store_unavailable",
                    "the metadata database is unavailable; try again shortly");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            return response;
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", request.method(), request.path(), e);
            return ErrorResponses.of(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", "internal error");
        }
    }

    private Object toHttp(ApiResponse api) {
        if (api.body() instanceof ApiResponse.Download download) {
            return streamed(api, download);
        }
        byte[] body = api.body() == null ? new byte[0] : Json.write(api.body());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, api.status(),
                Unpooled.wrappedBuffer(body));
        if (api.body() != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        for (Map.Entry<String, String> header : api.headers()) {
            response.headers().add(header.getKey(), header.getValue());
        }
        return response;
    }

    private BodyStream streamed(ApiResponse api, ApiResponse.Download download) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, api.status());
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, download.contentType())
                .set(HttpHeaderNames.CONTENT_LENGTH, download.length())
                .set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + download.filename() + "\"")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        for (Map.Entry<String, String> header : api.headers()) {
            head.headers().add(header.getKey(), header.getValue());
        }
        return new BodyStream(head, download, blocking);
    }

    private static CompletableFuture<Void> send(ChannelHandlerContext ctx, Object answer, boolean keepAlive) {
        if (answer instanceof BodyStream stream) {
            stream.head().headers().set(ErrorResponses.X_CONTENT_TYPE_OPTIONS, "nosniff");
            if (!ctx.channel().isActive()) {
                stream.fail(ctx, "the client went away before the download began");
                return CompletableFuture.completedFuture(null);
            }
            return stream.write(ctx, keepAlive);
        }
        FullHttpResponse response = (FullHttpResponse) answer;
        response.headers().set(ErrorResponses.X_CONTENT_TYPE_OPTIONS, "nosniff"); // successes too
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("control API connection error: {}", cause.toString());
        ctx.close();
    }
}
