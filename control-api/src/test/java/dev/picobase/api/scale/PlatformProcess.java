package dev.picobase.api.scale;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.MetricsText;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code picobase up} as a separate JVM (this test JVM's class path), so a test can {@code kill -9}
 * it as an operator, the OOM killer or a power cut would, or stop it with SIGTERM as a service manager
 * does. It gets a clean environment (nothing of this JVM's {@code PICOBASE_*} or {@code R2_*} leaks
 * in), an empty working directory (no {@code .env} is read), free API, gateway and management ports
 * (or given ones: a restarted node keeps its address), and appends its output to
 * {@code <workDir>/<name>.log}. PocketBase children are not killed with it: they outlive it exactly
 * as they would in production.
 */
public final class PlatformProcess implements AutoCloseable {
    private static final Duration BOOT = Duration.ofSeconds(60);

    private final Process process;
    private final Ports ports;
    private final Path log;

    /** Where a platform listens: its control API, its gateway and its management port ({@code /metrics}). */
    public record Ports(int api, int gateway, int management) {
        /** Three distinct free loopback ports. */
        public static Ports free() {
            int api = FreePorts.next();
            int gateway = FreePorts.next();
            int management = FreePorts.next();
            while (gateway == api) {
                gateway = FreePorts.next();
            }
            while (management == api || management == gateway) {
                management = FreePorts.next();
            }
            return new Ports(api, gateway, management);
        }
    }

    private PlatformProcess(Process process, Ports ports, Path log) {
        this.process = process;
        this.ports = ports;
        this.log = log;
    }

    /**
     * Starts a platform on {@code dataDir} with {@code settings} on top of the defaults (an object
     * store's, say), optionally as the leader of a new session and process group ({@code setsid}, as a
     * login shell or a service manager would run it, so {@link #signalGroup} can reach its whole
     * group), and returns once its control API answers. Tests start platforms through
     * {@link PlatformProcesses}, which stops them afterwards.
     */
    static PlatformProcess start(String name, Path dataDir, Path workDir, int instancesBasePort,
            Map<String, String> settings, boolean groupLeader) {
        return start(name, dataDir, workDir, instancesBasePort, Ports.free(), settings, groupLeader);
    }

    /**
     * Starts a platform as above on {@code ports}: a node restarted on its old ports keeps the address
     * other nodes and a load balancer know it by. The caller stops it ({@link #close}, {@link #terminate}).
     */
    public static PlatformProcess start(String name, Path dataDir, Path workDir, int instancesBasePort, Ports ports,
            Map<String, String> settings, boolean groupLeader) {
        Path log = workDir.resolve(name + ".log");
        ProcessBuilder builder = builder(dataDir, workDir, ports, instancesBasePort, log, groupLeader);
        builder.environment().putAll(settings);
        Process process;
        try {
            Files.createDirectories(workDir);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PlatformProcess platform = new PlatformProcess(process, ports, log);
        try {
            Deadline.await("PicoBase (" + name + ") to answer on port " + ports.api(), BOOT, platform::healthy);
        } catch (AssertionError e) {
            platform.kill();
            throw new AssertionError(e.getMessage() + "; its output:\n" + platform.output(), e);
        }
        return platform;
    }

    /** How a platform that was expected to refuse to start ended: its exit code and everything it printed. */
    record Exit(int code, String output) {}

    /**
     * Runs {@code picobase up} with {@code settings} over the usual test settings (free ports) and
     * waits for it to exit; a platform still running after {@code within} fails the test.
     */
    static Exit runExpectingExit(String name, Path dataDir, Path workDir, Map<String, String> settings,
                                 Duration within) {
        Path log = workDir.resolve(name + ".log");
        ProcessBuilder builder = builder(dataDir, workDir, Ports.free(), freeInstancesBasePort(), log, false);
        builder.environment().putAll(settings);
        try {
            Files.createDirectories(workDir);
            Process process = builder.start();
            if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().onExit().join();
                throw new AssertionError("PicoBase (" + name + ") was still running after " + within + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Exit(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static ProcessBuilder builder(Path dataDir, Path workDir, Ports ports, int instancesBasePort, Path log,
                                          boolean groupLeader) {
        List<String> command = new ArrayList<>();
        if (groupLeader) {
            command.add("setsid"); // execs in place (this JVM's child leads no group): the pid is java's
        }
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "dev.picobase.api.PicoBaseMain", "up"));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        String path = env.get("PATH");
        String home = env.get("HOME");
        env.clear();
        env.put("PATH", path);
        env.put("HOME", home);
        env.put("PICOBASE_DATA_DIR", dataDir.toString());
        env.put("PICOBASE_BIND_ADDRESS", "127.0.0.1");
        env.put("PICOBASE_API_PORT", Integer.toString(ports.api()));
        env.put("PICOBASE_GATEWAY_PORT", Integer.toString(ports.gateway()));
        env.put("PICOBASE_MANAGEMENT_PORT", Integer.toString(ports.management()));
        env.put("INSTANCES_BASE_PORT", Integer.toString(instancesBasePort));
        env.put("POCKETBASE_BINARY_PATH", Tools.pocketbase().toString());
        env.put("PICOBASE_IDLE_TIMEOUT", "1h");
        env.put("PICOBASE_SIGNIN_RATE_PER_ADDRESS", "100000");
        // A short gateway warm-up: its path runs in every test, without the seconds a full one takes.
        env.put("PICOBASE_GATEWAY_WARMUP_REQUESTS", "300");
        // Appended: a node restarted under its old name keeps its earlier runs' output in front.
        builder.directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return builder;
    }

    private boolean healthy() {
        if (!process.isAlive()) {
            throw new AssertionError("PicoBase exited with " + process.exitValue() + ":\n" + output());
        }
        try {
            return client().get("/api/health").status() == 200;
        } catch (UncheckedIOException notYet) {
            return false;
        }
    }

    /** An uninitialised port no other process is likely to be given soon, for {@code INSTANCES_BASE_PORT}. */
    public static int freeInstancesBasePort() {
        while (true) {
            int port = FreePorts.next();
            if (port >= 1024 && port <= 60000) {
                return port;
            }
        }
    }

    public ApiClient client() {
        return new ApiClient("http://127.0.0.1:" + ports.api());
    }

    public int gatewayPort() {
        return ports.gateway();
    }

    public Ports ports() {
        return ports;
    }

    /** One scrape of the platform's {@code /metrics} (its management port). */
    public MetricsText metrics() {
        return MetricsText.scrape(ports.management());
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** {@code kill -9}: no shutdown hook runs, nothing is saved, PocketBase children are left behind. */
    public void kill() {
        process.destroyForcibly();
        process.onExit().join();
    }

    /**
     * {@code kill -TERM -- -<pgid> [pids...]}: SIGTERM to the platform's whole process group (a
     * terminal's Ctrl-C, {@code kill -- -PGID}) and, in the same call, to {@code alsoPids} (what
     * systemd's {@code KillMode=control-group} does to every process of the service's cgroup).
     * Needs the platform started as a group leader.
     */
    void signalGroup(List<Long> alsoPids) {
        List<String> command = new ArrayList<>(List.of("kill", "-TERM", "--", "-" + process.pid()));
        alsoPids.forEach(pid -> command.add(Long.toString(pid)));
        kill(command);
    }

    /** The platform JVM's process id. */
    public long pid() {
        return process.pid();
    }

    /**
     * {@code kill -STOP <pid>}: freezes the platform's JVM as a long GC pause, a suspended VM or a
     * stalled host would (its PocketBase children, not signalled, keep running). Undone by {@link #resume}.
     */
    public void pause() {
        kill(List.of("kill", "-STOP", Long.toString(process.pid())));
    }

    /** {@code kill -CONT <pid>}: the paused JVM runs on from where it stopped. */
    public void resume() {
        if (process.isAlive()) {
            kill(List.of("kill", "-CONT", Long.toString(process.pid())));
        }
    }

    private static void kill(List<String> command) {
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new AssertionError(command + " failed: " + said);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * {@code kill -TERM <pid>}, as a service manager's stop or a rolling restart sends it: the platform
     * stops taking requests, lets those in flight finish, saves its instances and gives their leases
     * back. Waits for it to exit and returns its exit code.
     */
    public int terminate(Duration within) {
        process.destroy(); // SIGTERM on Linux
        return awaitExit(within);
    }

    /** Waits for the platform to exit (its shutdown done) and returns its exit code. */
    int awaitExit(Duration within) {
        try {
            if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("PicoBase did not exit within " + within + "; its output:\n" + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    /** Every process (PocketBase strays, mostly) whose command line mentions {@code dir}, SIGKILLed. */
    public static void killProcessesMentioning(Path dir) {
        String needle = dir.toAbsolutePath().toString();
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self)
                .filter(p -> p.info().commandLine().map(c -> c.contains(needle)).orElse(false))
                .forEach(p -> {
                    p.destroyForcibly();
                    p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join(); // an unreaped zombie stays "alive"
                });
    }

    /** PocketBase processes serving data under {@code dir}. */
    public static List<ProcessHandle> pocketBasesUnder(Path dir) {
        String needle = dir.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("pocketbase")).orElse(false))
                .filter(p -> p.info().commandLine().map(c -> c.contains(needle)).orElse(false))
                .toList();
    }

    /** Stops the platform for good; a paused one is resumed first, so nothing stays frozen. */
    @Override
    public void close() {
        if (process.isAlive()) {
            resume();
            kill();
        }
    }
}
