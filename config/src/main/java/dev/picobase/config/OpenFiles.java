package dev.picobase.config;

import java.lang.management.ManagementFactory;

/**
 * The process's limit on open file descriptors, from which the default connection limits are
 * derived. Every client connection costs one descriptor and a proxied one a second (the connection
 * to PocketBase); the rest of the process (the metadata database, snapshots, logs, the control API,
 * the management port) needs headroom that no client can take.
 */
final class OpenFiles {
    /** Descriptors kept back for everything that is not a client connection, at most. */
    private static final int RESERVE = 1_024;
    /** The management port's share: Prometheus and an operator's curl. */
    static final int MANAGEMENT = 128;

    private OpenFiles() {}

    /** The soft limit the JVM runs with (it raises it to the hard limit on Linux), or 4096 if unknown. */
    static long limit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long max = unix.getMaxFileDescriptorCount();
            if (max > 0) {
                return max;
            }
        }
        return 4_096;
    }

    /** The control API's default total: an eighth of the descriptors, at most 1,024. */
    static int apiDefault(long limit) {
        return (int) Math.max(32, Math.min(1_024, limit / 8));
    }

    /** The gateway's default total: half of what is left after the reserve, the control API and management. */
    static int gatewayDefault(long limit, int api) {
        long reserve = Math.min(RESERVE, limit / 4);
        return (int) Math.max(64, Math.min(1_000_000, (limit - reserve - api - MANAGEMENT) / 2));
    }
}
