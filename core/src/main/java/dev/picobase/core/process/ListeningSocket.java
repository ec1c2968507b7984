package dev.picobase.core.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Who listens on a port, from Linux's {@code /proc}: whether the inode of a TCP socket in state
 * LISTEN on that port ({@code /proc/net/tcp} and {@code tcp6}) is among a process's open files
 * ({@code /proc/<pid>/fd}). A health answer on the port PocketBase was told to use proves nothing by
 * itself: if something else took the port first (another PicoBase's PocketBase, say), ours exits
 * with "address already in use" while the other one answers, and tenants' requests would reach
 * someone else's data.
 *
 * <p>Threading: blocking file reads (a few KB); any thread.
 */
final class ListeningSocket {
    private static final Path TCP = Path.of("/proc/net/tcp");
    private static final Path TCP6 = Path.of("/proc/net/tcp6");
    private static final String LISTEN = "0A";

    private ListeningSocket() {}

    /**
     * Whether process {@code pid} holds a socket listening on {@code port}. True where
     * {@code /proc} cannot tell (not Linux): the check then adds nothing, as before it existed.
     */
    static boolean ownedBy(long pid, int port) {
        if (!Files.isReadable(TCP)) {
            return true;
        }
        try {
            Set<String> inodes = listeningInodes(Files.readAllLines(TCP), port);
            if (Files.isReadable(TCP6)) {
                inodes.addAll(listeningInodes(Files.readAllLines(TCP6), port));
            }
            if (inodes.isEmpty()) {
                return false;
            }
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : fds) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException closedMeanwhile) {
                        continue;
                    }
                    if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return false; // the process is gone, or its files cannot be read: not proven ours
        }
    }

    /** Inodes of sockets in LISTEN on {@code port}, any address, from /proc/net/tcp or tcp6 lines. */
    static Set<String> listeningInodes(List<String> procNetTcp, int port) {
        String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
        Set<String> inodes = new HashSet<>();
        for (String line : procNetTcp) {
            String[] f = line.trim().split("\\s+");
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            if (f.length > 9 && f[3].equals(LISTEN) && f[1].endsWith(suffix)) {
                inodes.add(f[9]);
            }
        }
        return inodes;
    }
}
