package dev.picobase.proxy.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The backend half of the proxy: hands every response object from PocketBase to the frontend
 * exchange it is attached to, which writes it to the client and asks for the next read only when
 * that write completed — the mirror image of {@link FrontendHandler}. While pooled (detached) it
 * drops anything PocketBase sends and closes on idle timeout or on error.
 *
 * <p>Threading: runs on the backend channel's event loop, which is also its frontend's.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private FrontendHandler frontend;

    void attach(FrontendHandler frontend) {
        this.frontend = frontend;
    }

    void detach() {
        this.frontend = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (frontend == null) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // nothing is expected on an idle connection
            return;
        }
        frontend.fromBackend(ctx.channel(), msg);
    }

    /** One flush to the client per batch read from PocketBase, then maybe the next read. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (frontend != null) {
            frontend.backendBatchDone();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (frontend != null) {
            frontend.backendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (frontend != null) {
            frontend.backendClosed(ctx.channel(), null);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && frontend == null) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FrontendHandler f = frontend;
        ctx.close();
        if (f != null) {
            f.backendClosed(ctx.channel(), cause);
        }
    }
}
