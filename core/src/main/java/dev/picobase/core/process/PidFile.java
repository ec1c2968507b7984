package dev.picobase.core.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <instanceDir>/pocketbase.pid}: the process serving an instance's {@code pb_data}. PocketBase
 * processes outlive a PicoBase that crashed or was killed; before starting an instance again we stop
 * such a stray, so two servers never write one database and a restore never replaces files under a
 * running server. A recorded pid is only trusted if that process is still serving this very
 * {@code --dir}, since pids are reused.
 *
 * <p>Threading: blocking (waits up to a few seconds for a stray to exit); called by the thread
 * starting the instance, which {@link dev.picobase.core.runtime.InstanceRuntime} makes the only
 * one for that instance.
 */
public final class PidFile {
    private static final Logger LOG = LoggerFactory.getLogger(PidFile.class);

    private final Path file;

    /** The pid file of the instance directory {@code instanceDir}. */
    public PidFile(Path instanceDir) {
        this.file = instanceDir.resolve("pocketbase.pid");
    }

    /**
     * Stops the recorded process if it still serves {@code dirArgument} (see
     * {@link PocketBaseProcess#dirArgument}): SIGTERM, SIGKILL after 5 s.
     */
    public void stopStray(String dirArgument) {
        Optional<ProcessHandle> stray = recorded().filter(p -> p.isAlive() && serves(p, dirArgument));
        if (stray.isEmpty()) {
            return;
        }
        ProcessHandle p = stray.get();
        LOG.warn("stopping stray PocketBase process {} left serving {}", p.pid(), dirArgument);
        p.destroy();
        try {
            p.onExit().get(5, TimeUnit.SECONDS);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // ignored SIGTERM: kill it below
        }
        p.destroyForcibly();
        p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join();
    }

    private Optional<ProcessHandle> recorded() {
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean serves(ProcessHandle p, String dirArgument) {
        return p.info().arguments().map(args -> Arrays.asList(args).contains(dirArgument)).orElse(false);
    }

    void write(long pid) {
        try {
            Files.writeString(file, pid + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", file, e.toString());
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", file, e.toString());
        }
    }
}
