package dev.picobase.api.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository the tests check as shipped (the README, the systemd unit...). */
public final class RepoFiles {
    private RepoFiles() {}

    /** {@code relative} to the repository's root, whether Maven runs the tests from there or from the module. */
    public static Path path(String relative) {
        Path here = Path.of("").toAbsolutePath();
        Path file = here.resolve(relative);
        return Files.exists(file) ? file : here.getParent().resolve(relative);
    }
}
