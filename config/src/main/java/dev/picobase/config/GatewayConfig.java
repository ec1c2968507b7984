package dev.picobase.config;

import java.time.Duration;

/**
 * Gateway limits: how long a client may take to send a request head (slowloris) or keep an idle
 * keep-alive connection, how long PocketBase may take to accept a connection and to start
 * answering, the largest request line and header block, and the number of event-loop threads.
 */
public record GatewayConfig(
        Duration requestHeadTimeout,
        Duration connectTimeout,
        Duration responseTimeout,
        int maxInitialLineBytes,
        int maxHeaderBytes,
        int ioThreads) {
}
