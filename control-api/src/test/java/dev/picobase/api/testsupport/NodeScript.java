package dev.picobase.api.testsupport;

import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Node script from the test resources against the real platform, with the PocketBase JS SDK
 * installed ({@link Tools#jsSdk()}). Node resolves an ES module's bare imports from the script's own
 * location, not from the working directory, so the script is copied into the SDK directory under a
 * unique name for the run and removed afterwards.
 *
 * <p>Threading: blocking; the calling test thread waits for the process (bounded by the timeout).
 */
public final class NodeScript {
    /** How a run ended: exit code (or -1 when it was killed at the timeout) and its combined output. */
    public record Outcome(int exitCode, String output) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    private final String resource;

    public NodeScript(String resource) {
        this.resource = resource;
    }

    /**
     * A program that runs until stopped (a realtime subscription, say), started from its source text
     * (such as a snippet a page shows), placed in the SDK directory like a resource script. Its output
     * is read while it runs; {@link Running#close} kills it and removes its files.
     */
    public static Running start(String source, Map<String, String> environment) {
        Path sdk = Tools.jsSdk();
        try {
            Path script = Files.createTempFile(sdk, "e2e-", ".mjs");
            Path output = Files.createTempFile("node-script-", ".log");
            Files.writeString(script, source);
            ProcessBuilder builder = new ProcessBuilder(List.of("node", script.toString()))
                    .directory(sdk.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            return new Running(builder.start(), script, output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A program started by {@link #start}: its output so far, and waiting for a line of it. */
    public static final class Running implements AutoCloseable {
        private final Process node;
        private final Path script;
        private final Path output;

        private Running(Process node, Path script, Path output) {
            this.node = node;
            this.script = script;
            this.output = output;
        }

        public String output() {
            try {
                return Files.readString(output, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Waits until the output contains {@code text}; fails with the output if the program ends first or time runs out. */
        public void awaitOutput(String text, Duration timeout) {
            try {
                Deadline.await("node to print '" + text + "'", timeout, Duration.ofMillis(50), () -> {
                    boolean printed = output().contains(text);
                    if (!printed && !node.isAlive()) {
                        throw new AssertionError("node exited with " + node.exitValue() + " before printing '" + text + "'");
                    }
                    return printed;
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ":\n" + output(), e);
            }
        }

        @Override
        public void close() {
            node.destroyForcibly();
            try {
                node.waitFor(10, TimeUnit.SECONDS);
                Files.deleteIfExists(script);
                Files.deleteIfExists(output);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public Outcome run(Map<String, String> environment, Duration timeout) {
        Path sdk = Tools.jsSdk();
        try (InputStream source = NodeScript.class.getResourceAsStream(resource)) {
            if (source == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            Path script = Files.createTempFile(sdk, "e2e-", ".mjs");
            Path output = Files.createTempFile("node-script-", ".log");
            try {
                Files.write(script, source.readAllBytes());
                ProcessBuilder builder = new ProcessBuilder(List.of("node", script.toString()))
                        .directory(sdk.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
                builder.environment().putAll(environment);
                Process node = builder.start();
                boolean finished = node.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!finished) {
                    node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                String log = Files.readString(output, StandardCharsets.UTF_8);
                return finished ? new Outcome(node.exitValue(), log)
                        : new Outcome(-1, log + "\n(killed after " + timeout.toSeconds() + " s)");
            } finally {
                Files.deleteIfExists(script);
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
