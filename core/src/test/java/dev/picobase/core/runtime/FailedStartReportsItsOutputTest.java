package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.core.process.PocketBaseProcess;
import dev.picobase.testsupport.InstanceRuntimeFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that cannot succeed fails fast and says why in PocketBase's own words. */
class FailedStartReportsItsOutputTest {
    @TempDir
    Path dir;

    @Test
    void aBinaryThatExitsDuringStartUpFailsWithItsOutput() throws IOException {
        Path fake = script("echo 'boom: cannot open the database'\necho 'second line' >&2\nexit 1");
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dir.resolve("data"), fake,
                Duration.ofSeconds(20))) {
            assertThatThrownBy(() -> fixture.runtime().start("alpha"))
                    .isInstanceOf(InstanceStartException.class)
                    .hasMessageContaining("instance alpha exited during start-up")
                    .hasMessageContaining("exit code 1")
                    .hasMessageContaining("boom: cannot open the database")
                    .hasMessageContaining("second line");

            assertThat(fixture.runtime().running("alpha")).isEmpty();
            assertThat(fixture.unexpectedExits()).isEmpty();
            assertThat(fixture.runtime().logs("alpha", 10)).anyMatch(l -> l.contains("boom"));
            int next = fixture.ports().allocate();
            assertThat(fixture.ports().isLeased(next)).isTrue(); // the failed start's port went back to the pool
            fixture.ports().release(next);
        }
    }

    @Test
    void pocketBaseRefusingItsDataDirectoryFailsWithItsMessage() throws IOException {
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dir.resolve("data"))) {
            Path pbData = fixture.directories().pbData("alpha");
            Files.createDirectories(pbData.getParent());
            Files.writeString(pbData, "not a directory");

            assertThatThrownBy(() -> fixture.runtime().start("alpha"))
                    .isInstanceOf(InstanceStartException.class)
                    .hasMessageContaining("not a directory");
        }
    }

    @Test
    void aBinaryThatNeverBecomesHealthyIsKilledAtTheBootTimeout() throws IOException {
        Path fake = script("echo \"$$\" > \"$(pwd)/fake.pid\"\necho 'waiting forever'\nexec sleep 120");
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dir.resolve("data"), fake,
                Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> fixture.runtime().start("alpha"))
                    .isInstanceOf(InstanceStartException.class)
                    .hasMessageContaining("was not healthy within 1000 ms and was killed")
                    .hasMessageContaining("waiting forever");

            long pid = Long.parseLong(Files.readString(fixture.directories().instanceDir("alpha")
                    .resolve("fake.pid")).strip());
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        }
    }

    @Test
    void concurrentCallersOfAFailingStartAllSeeTheFailure() throws Exception {
        Path fake = script("echo 'boom'\nexit 3");
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dir.resolve("data"), fake,
                Duration.ofSeconds(20))) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                var calls = new java.util.ArrayList<java.util.concurrent.Future<?>>();
                for (int i = 0; i < 4; i++) {
                    calls.add(pool.submit(() -> fixture.runtime().start("alpha")));
                }
                for (var call : calls) {
                    assertThatThrownBy(call::get).hasCauseInstanceOf(InstanceStartException.class)
                            .hasMessageContaining("exit code 3");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aMissingBinaryFailsWithAClearMessage() {
        Path missing = dir.resolve("no-such-pocketbase");
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dir.resolve("data"), missing,
                Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> fixture.runtime().start("alpha"))
                    .isInstanceOf(InstanceStartException.class)
                    .hasMessageContaining("cannot run " + missing);
        }
    }

    @Test
    void aPortTakenBeforePocketBaseBindsItIsRetriedOnAnotherPort() throws IOException {
        // PocketBase 0.22 prints "Server started", then the bind error, and exits with 0.
        Path fake = script("""
                if [ ! -e "$(pwd)/conflicted" ]; then
                  touch "$(pwd)/conflicted"
                  for a in "$@"; do case "$a" in --http=*) port="${a#--http=}";; esac; done
                  echo "Error: listen tcp $port: bind: address already in use"
                  exit 0
                fi
                exec %s "$@"
                """.formatted(dev.picobase.testsupport.Tools.pocketbase()));
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dir.resolve("data"), fake,
                Duration.ofSeconds(20))) {
            PocketBaseProcess pb = fixture.runtime().start("alpha");

            String conflict = fixture.runtime().logs("alpha", 100).stream()
                    .filter(l -> l.contains("address already in use")).findFirst().orElseThrow();
            assertThat(conflict).doesNotContain(":" + pb.port() + ":");
            assertThat(InstanceRuntimeFixture.get(pb.port(), "/api/health")).isEqualTo(200);
        }
    }

    private Path script(String body) throws IOException {
        Path script = Files.createTempFile(dir, "fake-pocketbase-", ".sh");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }
}
