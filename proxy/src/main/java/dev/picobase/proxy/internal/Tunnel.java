package dev.picobase.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket connection after its {@code 101}: bytes relayed both ways, untouched. {@link #open}
 * takes the HTTP codecs out of both pipelines and puts a {@link Relay} in place of each proxy handler,
 * as Netty's proxy example relays. Flow control is the proxy's: each side reads its next batch only
 * while the other can take it, and a client that reads nothing for the response timeout is closed.
 * When either side closes, the other is closed and the exchange ends (its stream slot comes back, its
 * bytes count toward the instance's usage).
 *
 * <p>Threading: both channels share one event loop.
 */
final class Tunnel {
    private final ProxyContext context;
    private final Exchange exchange;
    private final Relay fromClient;
    private final Relay fromBackend;

    private Tunnel(ProxyContext context, Exchange exchange, Channel client, Channel backend) {
        this.context = context;
        this.exchange = exchange;
        this.fromClient = new Relay(backend, true);
        this.fromBackend = new Relay(client, false);
    }

    /** Turns {@code client}'s and {@code backend}'s connections into the tunnel of {@code exchange}. */
    static void open(ProxyContext context, Exchange exchange, ChannelHandlerContext client, Channel backend) {
        Tunnel t = new Tunnel(context, exchange, client.channel(), backend);
        client.pipeline().remove(HttpServerCodec.class);
        client.pipeline().replace(client.handler(), "tunnel", t.fromClient);
        backend.pipeline().remove("codec");
        backend.pipeline().remove("idle");
        backend.pipeline().replace(BackendHandler.class, "tunnel", t.fromBackend);
        t.fromClient.ctx.read();
        t.fromBackend.ctx.read();
    }

    private void close() {
        exchange.end(context);
        fromClient.stop();
        fromBackend.stop();
    }

    /** One direction: what its channel reads goes to {@code peer}. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel peer;
        private final boolean clientSide;
        private ChannelHandlerContext ctx;
        private boolean readWanted;
        private final Countdown stallTimer = new Countdown();

        Relay(Channel peer, boolean clientSide) {
            this.peer = peer;
            this.clientSide = clientSide;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf bytes)) {
                ReferenceCountUtil.release(msg); // the 101's empty end marker, decoded before the codec left
                return;
            }
            if (clientSide) {
                exchange.bytesIn += bytes.readableBytes();
            } else {
                exchange.bytesOut += bytes.readableBytes();
            }
            peer.write(msg).addListener(f -> {
                if (!f.isSuccess()) {
                    Tunnel.this.close();
                }
            });
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
            if (peer.isWritable()) {
                ctx.read();
            } else {
                readWanted = true;
                if (!clientSide) {
                    armStallTimer();
                }
            }
        }

        /** The other direction's channel (this one's peer) drained: read on. */
        void peerWritable() {
            stallTimer.cancel();
            if (readWanted) {
                readWanted = false;
                ctx.read();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                (clientSide ? fromBackend : fromClient).peerWritable();
            }
        }

        /** A client that reads nothing of what PocketBase sends for the response timeout is closed. */
        private void armStallTimer() {
            stallTimer.startUnlessRunning(ctx.executor(), context.responseTimeoutMillis, () -> {
                if (!peer.isWritable()) {
                    Tunnel.this.close();
                }
            });
        }

        void stop() {
            stallTimer.close();
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Tunnel.this.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Tunnel.this.close();
        }
    }
}
