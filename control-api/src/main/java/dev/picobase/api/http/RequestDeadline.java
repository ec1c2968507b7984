package dev.picobase.api.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a control-API connection whose client owes a request for longer than the deadline: a whole
 * request (head and body) must arrive within it of the connection opening or of the last response
 * being written. That bounds a slowloris trickling a head byte by byte, a body sent too slowly, and
 * an idle keep-alive connection alike. What went wrong before: a {@code ReadTimeoutHandler} restarted
 * on every byte, so 1,024 connections each sending a header byte every 20 s held every connection
 * slot and everyone else got 503.
 *
 * <p>The timer runs only while no request is pending: a complete request (its {@code LastHttpContent}
 * read) counts one up, its response ({@code LastHttpContent} or full response written, informational
 * ones such as {@code 100 Continue} not) counts one down. Requests are answered on a blocking pool and
 * pipelined ones in order, so a connection whose requests are being answered is never closed
 * mid-answer; the server, not the client, owes bytes then. Closing silently is safe: clients retry a
 * request on a connection closed while idle, as with the gateway's head timeout.
 *
 * <p>Threading: one instance per connection, placed right after the HTTP codec; every method runs on
 * the channel's event loop (writes from the blocking pool reach it there), so no state is shared.
 */
public final class RequestDeadline extends ChannelDuplexHandler {
    private final long deadlineMillis;
    private int pending;
    private ScheduledFuture<?> timer;

    public RequestDeadline(long deadlineMillis) {
        this.deadlineMillis = deadlineMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        arm(ctx); // from the connection opening: it is added as the connection is set up
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LastHttpContent) {
            pending++;
            cancel();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent && !isInformational(msg) && pending > 0) {
            // From when the answer is handed to the socket, not when it is read: a client that never
            // reads its answers is closed all the same.
            if (--pending == 0) {
                arm(ctx);
            }
        }
        ctx.write(msg, promise);
    }

    private static boolean isInformational(Object msg) {
        return msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    }

    private void arm(ChannelHandlerContext ctx) {
        cancel();
        timer = ctx.executor().schedule(() -> {
            if (pending == 0) {
                ctx.close();
            }
        }, deadlineMillis, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }
}
