package dev.picobase.api.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a response whose body is a {@link ApiResponse.Download} (a backup's zip straight from the
 * object store) without holding it in memory and without blocking the event loop: each chunk is read
 * on the API's blocking executor, handed to the channel, and the next one is read only once that
 * write completed, so at most one chunk per download is in memory and a slow client slows the reads
 * down instead of filling the heap. No thread waits for the client between chunks.
 *
 * <p>The head carries {@code Content-Length}; a body that ends short of it, or runs past it, or a
 * read that fails part-way, closes the connection: the client sees a truncated download, never one
 * that looks complete. The content is closed however the response ends.
 *
 * <p>Threading: {@link #write} may be called from any thread; reads run on {@code blocking}, writes
 * reach the channel's event loop through Netty.
 */
final class BodyStream {
    private static final Logger LOG = LoggerFactory.getLogger(BodyStream.class);
    static final int CHUNK = 64 * 1024;

    private final HttpResponse head;
    private final ApiResponse.Download body;
    private final Executor blocking;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private long sent;

    BodyStream(HttpResponse head, ApiResponse.Download body, Executor blocking) {
        this.head = head;
        this.body = body;
        this.blocking = blocking;
    }

    HttpResponse head() {
        return head;
    }

    /** Sends the head, then the body chunk by chunk; completes once the last byte is handed to the socket. */
    CompletableFuture<Void> write(ChannelHandlerContext ctx, boolean keepAlive) {
        if (!keepAlive) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(head).addListener(f -> next(ctx, keepAlive, f.isSuccess()));
        return done;
    }

    private void next(ChannelHandlerContext ctx, boolean keepAlive, boolean written) {
        if (!written) {
            fail(ctx, "the client went away");
            return;
        }
        try {
            blocking.execute(() -> readAndWrite(ctx, keepAlive));
        } catch (RejectedExecutionException busy) {
            fail(ctx, "no thread to read the next chunk");
        }
    }

    private void readAndWrite(ChannelHandlerContext ctx, boolean keepAlive) {
        ByteBuf chunk = ctx.alloc().buffer(CHUNK);
        try {
            int read = 0;
            while (chunk.isWritable()) {
                int n = chunk.writeBytes(body.content(), chunk.writableBytes());
                if (n < 0) {
                    break;
                }
                read += n;
            }
            if (read == 0) {
                chunk.release();
                if (sent != body.length()) {
                    fail(ctx, "the stored object ended after " + sent + " of " + body.length() + " bytes");
                    return;
                }
                closeContent();
                var last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                if (!keepAlive) {
                    last.addListener(ChannelFutureListener.CLOSE);
                }
                last.addListener(f -> done.complete(null));
                return;
            }
            sent += read;
            if (sent > body.length()) {
                chunk.release();
                fail(ctx, "the stored object is longer than the " + body.length() + " bytes announced");
                return;
            }
            ctx.writeAndFlush(new DefaultHttpContent(chunk)).addListener(f -> next(ctx, keepAlive, f.isSuccess()));
        } catch (IOException | RuntimeException e) {
            chunk.release();
            fail(ctx, e.toString());
        }
    }

    /** Drops the connection: the head is out, so the only honest signal left is a short body. */
    void fail(ChannelHandlerContext ctx, String why) {
        LOG.warn("download of {} broken off after {} of {} bytes: {}", body.filename(), sent, body.length(), why);
        closeContent();
        ctx.close();
        done.complete(null);
    }

    private void closeContent() {
        try {
            body.content().close();
        } catch (IOException e) {
            LOG.debug("closing the download of {}: {}", body.filename(), e.toString());
        }
    }
}
