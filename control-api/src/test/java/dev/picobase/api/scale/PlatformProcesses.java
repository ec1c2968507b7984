package dev.picobase.api.scale;

import dev.picobase.core.io.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Platforms run as real processes for one test, on one data directory (so a second platform finds
 * what the first left) and one base port for PocketBase; after the test every platform it started is
 * stopped and any process still naming the test's directory (a PocketBase a killed platform left) is
 * killed. Register with {@code @RegisterExtension final PlatformProcesses platforms = new PlatformProcesses();}
 * and start platforms with {@link #start}.
 */
public final class PlatformProcesses implements BeforeEachCallback, AfterEachCallback {
    private final List<PlatformProcess> started = new ArrayList<>();
    private Path root;
    private int instancesBasePort;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        root = Files.createTempDirectory("picobase-platforms-");
        instancesBasePort = PlatformProcess.freeInstancesBasePort();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        started.forEach(PlatformProcess::close);
        started.clear();
        PlatformProcess.killProcessesMentioning(root);
        FileTrees.delete(root);
    }

    /** The platforms' data directory ({@code PICOBASE_DATA_DIR}). */
    public Path dataDir() {
        return root.resolve("data");
    }

    public PlatformProcess start(String name) {
        return start(name, Map.of(), false);
    }

    /** A platform with {@code settings}, optionally leading a process group of its own (see {@link PlatformProcess}). */
    public PlatformProcess start(String name, Map<String, String> settings, boolean groupLeader) {
        PlatformProcess p = PlatformProcess.start(name, dataDir(), root.resolve("work"), instancesBasePort, settings,
                groupLeader);
        started.add(p);
        return p;
    }
}
