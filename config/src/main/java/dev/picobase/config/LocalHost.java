package dev.picobase.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's host name, for the default node id and address. On Linux it is read from the
 * kernel (what {@code hostname} prints) because {@link InetAddress#getLocalHost()} also resolves the
 * name, which can stall start-up for seconds on a host whose DNS is misconfigured; elsewhere that
 * is the only portable way. Called from the configuration thread at start only.
 */
final class LocalHost {
    private LocalHost() {}

    static String name() {
        try {
            Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel)) {
                String name = Files.readString(kernel).strip();
                if (!name.isEmpty()) {
                    return name;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Fall through to the portable lookup.
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
