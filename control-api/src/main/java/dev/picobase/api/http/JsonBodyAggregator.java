package dev.picobase.api.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;

/**
 * Collects control-API request bodies (small JSON documents) up to a limit; a larger body is
 * answered with the JSON 413 error, as early as its {@code Content-Length} shows it, and the
 * connection is closed so the rest of the body is never read.
 */
public final class JsonBodyAggregator extends HttpObjectAggregator {

    public JsonBodyAggregator(int maxContentLength) {
        super(maxContentLength);
    }

    /**
     * An oversized {@code Expect: 100-continue} request gets the same JSON 413 before its body is sent,
     * and an expectation other than {@code 100-continue} a JSON 417.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse r && (r.status().code() == 413 || r.status().code() == 417)) {
            ReferenceCountUtil.release(response);
            FullHttpResponse json = r.status().code() == 413 ? tooLarge()
                    : ErrorResponses.of(HttpResponseStatus.EXPECTATION_FAILED, "expectation_failed",
                            "only Expect: 100-continue is supported");
            json.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return json;
        }
        return response;
    }

    private FullHttpResponse tooLarge() {
        return ErrorResponses.of(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                "the request body is larger than " + maxContentLength() + " bytes");
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        FullHttpResponse response = tooLarge();
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
