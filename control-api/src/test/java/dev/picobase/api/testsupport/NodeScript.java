package dev.picobase.api.testsupport;

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
