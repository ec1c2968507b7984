package dev.picobase.api.testsupport;

import dev.picobase.testsupport.ChildProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The repository's real {@code ./picobase} script run as a user runs it, in a clean environment
 * (PATH, HOME and the given variables only). {@code mvn} on its PATH is a stub that records each
 * call and fails, so a run that would build shows up as a recorded call instead of a minute-long
 * {@code mvn install}; with {@link #withoutJava()} {@code java} is such a stub too, so a run that
 * started PicoBase (or any JVM) shows up the same way. With java, the script runs PicoBase from this
 * test JVM's class path ({@code PB_CLASSPATH}), never from a jar it would have to build.
 *
 * <p>Threading: one test thread; each run blocks until the script exits (bounded).
 */
public final class PicobaseScript {
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    private final Path stubs;
    private final boolean java;
    private final Map<String, String> environment = new HashMap<>();

    /** How a run ended: its exit code and what it printed on each stream. */
    public record Outcome(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }

    private PicobaseScript(Path stubs, boolean java) {
        this.stubs = stubs;
        this.java = java;
    }

    /** The script with the real java (on this test JVM's classes) and a recording stub for mvn. */
    public static PicobaseScript in(Path dir) {
        return create(dir, true);
    }

    /** The script with recording stubs for both java and mvn: for runs that must start nothing. */
    public static PicobaseScript withoutJava(Path dir) {
        return create(dir, false);
    }

    private static PicobaseScript create(Path dir, boolean java) {
        Path stubs = dir.resolve("stubs");
        try {
            Files.createDirectories(stubs);
            stub(stubs, "mvn");
            if (!java) {
                stub(stubs, "java");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PicobaseScript(stubs, java);
    }

    private static void stub(Path stubs, String name) throws IOException {
        Path file = stubs.resolve(name);
        Files.writeString(file, "#!/bin/sh\necho \"$*\" >> \"$(dirname \"$0\")/" + name + ".calls\"\nexit 97\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The script at the repository's root (this module's parent directory). */
    public static Path path() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("picobase");
    }

    /** Sets a variable in the script's environment for the runs that follow. */
    public PicobaseScript with(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** The arguments the stub {@code name} ({@code mvn}, or {@code java} without java) was called with, one call a line. */
    public List<String> callsOf(String name) {
        Path calls = stubs.resolve(name + ".calls");
        try {
            return Files.exists(calls) ? Files.readAllLines(calls, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Outcome run(String... args) {
        Running running = start(args);
        try {
            if (!running.process.waitFor(RUN_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                running.close();
                throw new AssertionError("./picobase " + String.join(" ", args) + " still ran after " + RUN_LIMIT
                        + ":\n" + running.stdout() + running.stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return new Outcome(running.process.exitValue(), running.stdout(), running.stderr());
    }

    /** Starts the script and returns at once ({@code logs -f}); close the result to stop it. */
    public Running start(String... args) {
        List<String> command = new ArrayList<>();
        command.add(path().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        String home = env.get("HOME");
        env.clear();
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        env.put("PATH", stubs + (java ? ":" + javaBin : "") + ":/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", home);
        // A short gateway warm-up: its path runs in every test, without the seconds a full one takes.
        env.put("PICOBASE_GATEWAY_WARMUP_REQUESTS", "300");
        if (java) {
            env.put("PB_CLASSPATH", System.getProperty("java.class.path"));
        }
        env.putAll(environment);
        try {
            Path out = Files.createTempFile(stubs, "stdout-", ".txt");
            Path err = Files.createTempFile(stubs, "stderr-", ".txt");
            builder.redirectOutput(out.toFile()).redirectError(err.toFile());
            return new Running(builder.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A script still running; its output so far is readable at any time. */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final Path err;

        Running(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        public String stdout() {
            return read(out);
        }

        public String stderr() {
            return read(err);
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        private static String read(Path file) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Stops it with SIGTERM, as {@code kill} would (the script execs java, so this reaches the JVM itself). */
        @Override
        public void close() {
            ChildProcesses.stop(process);
        }
    }
}
