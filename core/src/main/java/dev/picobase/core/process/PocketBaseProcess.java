package dev.picobase.core.process;

import dev.picobase.core.runtime.InstanceDirectories;
import dev.picobase.core.runtime.InstanceStartException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running PocketBase server: {@code pocketbase serve} on {@code 127.0.0.1:<port>} (loopback
 * only; the gateway is its sole client) with everything it writes inside the instance directory.
 * {@link #start} returns once {@code /api/health} answers 200, or throws with the reason and the
 * process's last output. {@link #stop} sends SIGTERM, which makes PocketBase checkpoint its WAL
 * databases, and SIGKILL only after the grace period.
 *
 * <p>PocketBase runs in a process group of its own, so a terminal's Ctrl-C, a closing terminal's
 * SIGHUP (both go to the terminal's foreground group) or a {@code kill -- -PGID} of the platform's
 * group reaches only the platform, which then stops and saves each instance itself. It is launched
 * through Perl ({@code perl-base} is essential on Debian), which calls {@code setpgid(0, 0)} and execs
 * PocketBase in place: the pid Java holds is PocketBase's own. It stays in the platform's session on
 * purpose: a new session (util-linux {@code setsid}) would also put it in a scheduler autogroup of
 * its own, where under load it took CPU from the gateway (the warm-path benchmark lost ~10% of its
 * throughput through the gateway and its p99 went from 6 to 35 ms). {@code setsid} is the fallback
 * where there is no Perl; with neither, PocketBase runs in the platform's group, as before.
 *
 * <p>Exits are seen at once through {@link Process#onExit()}. {@link #exited()} completes, after
 * the process's last output has been captured, with a {@link ProcessExit} that is
 * {@code unexpected} unless {@link #stop} caused it; an exit during start-up is reported by
 * {@link #start} instead. This class only reports: deciding that an unexpected exit makes the
 * instance {@code failed} with that reason is the job of
 * {@link dev.picobase.core.runtime.InstanceRuntime}'s caller.
 *
 * <p>Threading: {@link #start} and {@link #stop} block (up to the boot timeout and the grace
 * period) and belong on a bounded blocking executor, never a Netty event loop; the accessors are
 * safe from any thread. {@link #exited()} completes on a JDK process-reaper thread.
 */
public final class PocketBaseProcess {
    private static final Logger LOG = LoggerFactory.getLogger(PocketBaseProcess.class);
    private static final int OUTPUT_LINES_IN_REASONS = 20;
    /** Inside {@code pb_data}: the deployed code trees ({@code pb_hooks}, {@code pb_migrations}, {@code pb_public}). */
    public static final String CODE_DIR = "picobase";
    /** Perl, which every Debian system has ({@code perl-base} is essential), for {@code setpgid} then exec. */
    private static final Optional<Path> PERL = firstExecutable("/usr/bin/perl", "/bin/perl");
    /** util-linux's {@code setsid}: the fallback (a new session, so also a scheduler autogroup of its own). */
    private static final Optional<Path> SETSID = firstExecutable("/usr/bin/setsid", "/bin/setsid");
    /** Perl's program: a process group of its own, then PocketBase in place of Perl (same pid). */
    private static final String NEW_GROUP_THEN_EXEC =
            "setpgrp(0, 0) or die \"setpgrp: $!\\n\"; exec { $ARGV[0] } @ARGV or die \"cannot run $ARGV[0]: $!\\n\"";

    private enum State { BOOTING, RUNNING, STOPPING, EXITED }

    private final String instanceId;
    private final int port;
    private final Process process;
    private final InstanceLog log;
    private final long outputMark;
    private final Instant startedAt;
    private final Path instanceDir;
    private final AtomicReference<State> state = new AtomicReference<>(State.BOOTING);
    private final CompletableFuture<ProcessExit> exited;
    private volatile Duration bootDuration;
    private StopOutcome stopOutcome; // guarded by this

    private PocketBaseProcess(String instanceId, int port, Process process, InstanceLog log, long outputMark,
            Instant startedAt, PidFile pidFile, Path instanceDir) {
        this.instanceDir = instanceDir;
        this.instanceId = instanceId;
        this.port = port;
        this.process = process;
        this.log = log;
        this.outputMark = outputMark;
        this.startedAt = startedAt;
        // The output is in the log file already (the OS wrote it there): nothing to drain.
        this.exited = process.onExit()
                .handle((ignored, error) -> {
                    pidFile.delete();
                    return exit();
                });
    }

    /**
     * Runs PocketBase for one instance and waits until it is healthy.
     *
     * @param instanceDir holds {@code pb_data}; PocketBase's public, hooks and migrations
     *     directories are pointed inside it too, so nothing lands next to the binary or in the
     *     JVM's working directory
     * @throws InstanceStartException if it cannot be run, exits, or is not healthy within {@code bootTimeout}
     */
    public static PocketBaseProcess start(String instanceId, Path binary, Path instanceDir, int port,
            InstanceLog log, Duration bootTimeout) {
        return start(instanceId, binary, instanceDir, port, log, bootTimeout, Map.of());
    }

    /**
     * As {@link #start(String, Path, Path, int, InstanceLog, Duration)}, with the instance's own
     * environment variables (its secrets, which hooks read with {@code $os.getenv}) added to the few
     * of the platform's that PocketBase is given.
     */
    public static PocketBaseProcess start(String instanceId, Path binary, Path instanceDir, int port,
            InstanceLog log, Duration bootTimeout, Map<String, String> instanceEnv) {
        // Absolute, because PocketBase runs with the instance directory as its working directory.
        binary = binary.toAbsolutePath();
        instanceDir = instanceDir.toAbsolutePath();
        PidFile pidFile = new PidFile(instanceDir);
        List<String> command = command(binary, instanceDir, port);
        String dirArgument = dirArgument(instanceDir);
        try {
            Files.createDirectories(instanceDir);
        } catch (IOException e) {
            throw new InstanceStartException(instanceId, "cannot create " + instanceDir + ": " + e, false, e);
        }
        if (!Files.isExecutable(binary)) {
            // Checked here: behind the launcher, a missing binary would only show as its exit code.
            throw new InstanceStartException(instanceId, "cannot run " + binary + ": "
                    + (Files.exists(binary) ? "not executable" : "no such file"), false, null);
        }
        pidFile.stopStray(dirArgument);
        // Output straight to the log file: no thread of ours per running instance copies it.
        ProcessBuilder builder = new ProcessBuilder(launched(command)).directory(instanceDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(log.redirect());
        restrictEnvironment(builder.environment());
        builder.environment().putAll(instanceEnv);
        log.append("---- picobase: starting PocketBase on 127.0.0.1:" + port + " at " + Instant.now());
        long mark = log.mark();
        long begin = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new InstanceStartException(instanceId, "cannot run " + binary + ": " + e.getMessage(), false, e);
        }
        pidFile.write(process.pid());
        PocketBaseProcess p = new PocketBaseProcess(instanceId, port, process, log, mark, Instant.now(), pidFile,
                instanceDir);
        p.awaitHealthy(begin, bootTimeout);
        LOG.info("instance {}: PocketBase pid {} healthy on port {} after {} ms",
                instanceId, p.pid(), port, p.bootDuration.toMillis());
        return p;
    }

    static List<String> command(Path binary, Path instanceDir, int port) {
        Path code = instanceDir.resolve(InstanceDirectories.PB_DATA).resolve(CODE_DIR);
        return List.of(binary.toString(), "serve",
                "--http=127.0.0.1:" + port,
                dirArgument(instanceDir),
                // The deployed code lives inside pb_data, so every snapshot carries it and a restore brings it back.
                "--publicDir=" + code.resolve("pb_public"),
                "--hooksDir=" + code.resolve("pb_hooks"),
                "--migrationsDir=" + code.resolve("pb_migrations"),
                // A deploy restarts PocketBase itself (holding requests); its own watcher would restart it unseen.
                "--hooksWatch=false",
                // Generated migration files would sit outside pb_data, in no snapshot; the database is the record.
                "--automigrate=false",
                // Dev mode (PocketBase's default when its binary lies under /tmp) prints every SQL statement.
                "--dev=false");
    }

    /**
     * {@code command} started in a process group of its own, execing in place so that the process
     * Java started, its pid (in the pid file, in stops) and its command line all become PocketBase's.
     */
    private static List<String> launched(List<String> command) {
        List<String> launcher = PERL.map(perl -> List.of(perl.toString(), "-e", NEW_GROUP_THEN_EXEC))
                .or(() -> SETSID.map(setsid -> List.of(setsid.toString())))
                .orElse(List.of());
        List<String> all = new ArrayList<>(launcher.size() + command.size());
        all.addAll(launcher);
        all.addAll(command);
        return all;
    }

    private static Optional<Path> firstExecutable(String... candidates) {
        return Stream.of(candidates).map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /** The {@code --dir} argument PocketBase gets for {@code instanceDir}, by which a stray is recognised. */
    public static String dirArgument(Path instanceDir) {
        return "--dir=" + instanceDir.resolve(InstanceDirectories.PB_DATA);
    }

    /** Tenant servers must not inherit PicoBase's secrets (storage keys, database tokens). */
    private static void restrictEnvironment(Map<String, String> env) {
        Map<String, String> kept = new HashMap<>();
        for (String name : List.of("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")) {
            if (env.containsKey(name)) {
                kept.put(name, env.get(name));
            }
        }
        env.clear();
        env.putAll(kept);
    }

    private void awaitHealthy(long begin, Duration bootTimeout) {
        long deadline = begin + bootTimeout.toNanos();
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw failure("exited during start-up");
                }
                // Healthy, and really ours: not something else that was on the port first.
                if (HealthProbe.healthy(port) && ListeningSocket.ownedBy(process.pid(), port)) {
                    bootDuration = Duration.ofNanos(System.nanoTime() - begin);
                    if (!state.compareAndSet(State.BOOTING, State.RUNNING)) {
                        throw failure("exited right after its first health check");
                    }
                    return;
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw failure("was not healthy within " + bootTimeout.toMillis() + " ms and was killed");
                }
                try {
                    process.onExit().get(10, TimeUnit.MILLISECONDS); // a pause that ends early on exit
                } catch (TimeoutException | ExecutionException e) {
                    // still running: probe again
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InstanceStartException(instanceId, "interrupted while starting PocketBase for instance "
                    + instanceId + "; the process was killed", false, e);
        }
    }

    private InstanceStartException failure(String what) throws InterruptedException {
        ProcessExit exit;
        try {
            exit = exited.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            exit = new ProcessExit(instanceId, -1, false, "did not exit", log.since(outputMark, OUTPUT_LINES_IN_REASONS));
        }
        boolean portConflict = exit.lastOutput().stream().anyMatch(l -> l.contains("address already in use"));
        String message = "PocketBase for instance " + instanceId + " " + what + " (" + ProcessExit.describe(exit.exitCode())
                + ")" + (exit.lastOutput().isEmpty() ? ", printing nothing" : "; its last output:\n  "
                + String.join("\n  ", exit.lastOutput()));
        return new InstanceStartException(instanceId, message, portConflict, null,
                firstError(log.since(outputMark, 500)).orElse(null));
    }

    /**
     * PocketBase's first error line since the launch (a hook that does not compile, a migration that
     * fails), for the tenant's status: its own message, with the instance's directory taken out of any
     * path it names (the platform's paths are the operator's business) and the Go panic's decoration off.
     */
    Optional<String> firstError(List<String> output) {
        String dir = instanceDir.resolve(InstanceDirectories.PB_DATA).resolve(CODE_DIR) + "/";
        String data = instanceDir + "/";
        for (String line : output) {
            String l = line.strip();
            if (l.startsWith("panic: ") || l.startsWith("Error: ")) {
                l = l.replaceFirst("^panic: ", "").replace(" [recovered]", "");
                l = l.replace(dir, "").replace(data, "");
                return Optional.of(l.length() > 300 ? l.substring(0, 300) + "…" : l);
            }
        }
        return Optional.empty();
    }

    private ProcessExit exit() {
        State previous = state.getAndSet(State.EXITED);
        int code = process.exitValue();
        List<String> output = log.since(outputMark, OUTPUT_LINES_IN_REASONS);
        boolean unexpected = previous == State.RUNNING;
        String reason;
        if (unexpected) {
            reason = "PocketBase exited unexpectedly with " + ProcessExit.describe(code)
                    + (output.isEmpty() ? "" : "; last output: " + String.join(" | ", output.subList(
                            Math.max(0, output.size() - 3), output.size())));
            // Not logged here: whoever handles the report knows whether it is a failure or part of a
            // shutdown (a service manager signalling every process of the service).
        } else {
            reason = previous == State.STOPPING ? "stopped" : "exited during start-up";
        }
        log.append("---- picobase: PocketBase exited with " + ProcessExit.describe(code) + " at " + Instant.now()
                + (unexpected ? " (unexpected)" : ""));
        return new ProcessExit(instanceId, code, unexpected, reason, output);
    }

    /**
     * SIGTERM, then SIGKILL if it is still running after {@code grace}. Returns once the process
     * has exited and its output is captured. Calling it again returns the first call's outcome.
     */
    public synchronized StopOutcome stop(Duration grace) {
        if (stopOutcome != null) {
            return stopOutcome;
        }
        if (state.compareAndExchange(State.RUNNING, State.STOPPING) != State.RUNNING) {
            awaitExitReport();
            return stopOutcome = StopOutcome.ALREADY_EXITED;
        }
        StopOutcome outcome = StopOutcome.TERMINATED;
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("instance {}: PocketBase ignored SIGTERM for {} ms, killing it", instanceId, grace.toMillis());
                process.destroyForcibly();
                outcome = StopOutcome.KILLED;
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            outcome = StopOutcome.KILLED;
            Thread.currentThread().interrupt();
        }
        awaitExitReport();
        return stopOutcome = outcome;
    }

    private void awaitExitReport() {
        // Uninterruptible on purpose: callers rely on the process being gone when stop returns.
        exited.copy().completeOnTimeout(null, 10, TimeUnit.SECONDS).join();
        if (process.isAlive()) {
            throw new IllegalStateException("PocketBase pid " + pid() + " survived SIGKILL");
        }
    }

    /** Completes once the process has exited and its output is captured; never fails. */
    public CompletableFuture<ProcessExit> exited() {
        return exited;
    }

    public String instanceId() {
        return instanceId;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** From launching the process to its first healthy answer. */
    public Duration bootDuration() {
        return bootDuration;
    }

    public boolean isAlive() {
        return process.isAlive();
    }
}
