package dev.picobase.core.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.config.ConfigException;
import dev.picobase.testsupport.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PocketBaseBinaryTest {
    @TempDir
    Path dir;

    @Test
    void aConfiguredPathThatDoesNotExistNamesTheVariable() {
        assertThatThrownBy(() -> PocketBaseBinary.resolve(Optional.of(dir.resolve("nope")), dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("POCKETBASE_BINARY_PATH: no such file");
    }

    @Test
    void aConfiguredFileThatIsNotExecutableIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("pocketbase"), "");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> PocketBaseBinary.resolve(Optional.of(file), dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not executable");
    }

    @Test
    void aConfiguredDirectoryIsRefused() {
        assertThatThrownBy(() -> PocketBaseBinary.resolve(Optional.of(dir), dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not a regular file");
    }

    @Test
    void aConfiguredExecutableIsUsedAsAnAbsolutePath() {
        Path binary = Tools.pocketbase();

        assertThat(PocketBaseBinary.resolve(Optional.of(binary), dir)).isEqualTo(binary.toAbsolutePath());
    }

    @Test
    void withoutConfigurationTheReleaseInTheDataDirectoryIsUsed() throws IOException {
        // Pre-seed <dataDir>/bin with the copy the tests already installed, so no download happens.
        Path installed = Tools.pocketbase().getParent();
        Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(dir.resolve("bin").resolve(installed.getFileName()), installed);

        Path binary = PocketBaseBinary.resolve(Optional.empty(), dir);

        assertThat(binary).startsWithRaw(dir.resolve("bin").toAbsolutePath()).isExecutable();
        assertThat(binary.getFileName()).hasToString("pocketbase");
    }
}
