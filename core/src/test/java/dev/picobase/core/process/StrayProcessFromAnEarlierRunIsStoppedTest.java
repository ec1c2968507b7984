package dev.picobase.core.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.InstanceRuntimeFixture;
import dev.picobase.testsupport.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PocketBase processes outlive a PicoBase that crashed. Starting the instance again must not put
 * a second server on the same {@code pb_data}: the leftover one is stopped first.
 */
class StrayProcessFromAnEarlierRunIsStoppedTest {
    @TempDir
    Path dataDir;

    @Test
    void theLeftoverServerIsStoppedBeforeANewOneStarts() throws Exception {
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dataDir)) {
            Path instanceDir = fixture.directories().instanceDir("alpha");
            Files.createDirectories(instanceDir);
            int strayPort = FreePorts.next();
            Process stray = new ProcessBuilder(PocketBaseProcess.command(Tools.pocketbase(), instanceDir, strayPort))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                Files.writeString(instanceDir.resolve("pocketbase.pid"), stray.pid() + "\n");
                Deadline.await("the stray to serve", Duration.ofSeconds(10),
                        () -> InstanceRuntimeFixture.get(strayPort, "/api/health") == 200);

                PocketBaseProcess pb = fixture.runtime().start("alpha");

                assertThat(stray.isAlive()).isFalse();
                assertThat(pb.pid()).isNotEqualTo(stray.pid());
                assertThat(Files.readString(instanceDir.resolve("pocketbase.pid")).strip())
                        .isEqualTo(Long.toString(pb.pid()));
            } finally {
                stray.destroyForcibly();
            }
        }
    }

    @Test
    void aRecordedPidThatIsSomeOtherProgramIsLeftAlone() throws Exception {
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dataDir)) {
            Path instanceDir = fixture.directories().instanceDir("alpha");
            Files.createDirectories(instanceDir);
            Process unrelated = new ProcessBuilder("sleep", "60").start();
            try {
                Files.writeString(instanceDir.resolve("pocketbase.pid"), unrelated.pid() + "\n");

                fixture.runtime().start("alpha");

                assertThat(unrelated.isAlive()).isTrue();
            } finally {
                unrelated.destroyForcibly();
            }
        }
    }
}
