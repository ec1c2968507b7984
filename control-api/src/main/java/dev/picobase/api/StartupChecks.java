package dev.picobase.api;

import dev.picobase.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.Callable;

/**
 * Turns what can go wrong while {@link Platform} starts into the one line a user reads: a
 * {@link ConfigException} naming the setting to change, as a bad value gets at parse time. Without
 * it, a port already in use or a bind address that is not this machine's surfaced as a Netty or JDK
 * stack trace that named neither the port's variable nor the address's.
 *
 * <p>Threading: stateless; called once, on the thread that starts the platform.
 */
final class StartupChecks {
    private StartupChecks() {}

    /** Resolves a bind address now, so a typo fails before anything else has started. */
    static void resolvable(String variable, String host) {
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new ConfigException(variable, "cannot resolve '" + host + "' to an address");
        }
    }

    /**
     * Runs {@code bind}; a port in use is reported against {@code portVariable}, an address that is
     * not this machine's (or cannot be resolved) against {@code addressVariable}.
     */
    static <T> T bind(String portVariable, String addressVariable, String host, int port, Callable<T> bind)
            throws InterruptedException {
        try {
            return bind.call();
        } catch (InterruptedException | ConfigException e) {
            throw e;
        } catch (Exception e) {
            Throwable cause = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
            // BindException from the JDK's sockets; with epoll, Netty's NativeIoException (an
            // IOException) says the same in its message: "bind(..) failed ...: Address already in use".
            String why = String.valueOf(cause.getMessage());
            boolean bindFailed = cause instanceof IOException;
            if (bindFailed && why.contains("in use")) {
                throw new ConfigException(portVariable, "port " + port + " on " + host + " is already in use");
            }
            if (bindFailed && why.contains("ermission denied")) {
                throw new ConfigException(portVariable, "not allowed to listen on port " + port
                        + " (ports below 1024 need privileges)");
            }
            if (bindFailed || cause instanceof UnresolvedAddressException) {
                throw new ConfigException(addressVariable, "cannot listen on '" + host + "' (" + why
                        + "); is it an address of this machine?");
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("cannot listen on " + host + ":" + port, e);
        }
    }
}
