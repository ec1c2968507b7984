package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.process.PocketBaseProcess;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.InstanceRuntimeFixture;
import dev.picobase.testsupport.InstanceRuntimeFixture.UnexpectedExit;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PocketBase that dies on its own (OOM killer, crash, an operator's {@code kill -9}) must be
 * noticed at once so the instance can be marked failed and requests stop going to a dead port;
 * our own stops must never be mistaken for that.
 */
class ExternallyKilledInstanceIsReportedTest {
    @TempDir
    Path dataDir;

    private InstanceRuntimeFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = InstanceRuntimeFixture.create(dataDir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void aKilledProcessIsReportedWithAReason() {
        PocketBaseProcess pb = fixture.runtime().start("alpha");

        ProcessHandle.of(pb.pid()).orElseThrow().destroyForcibly();

        Deadline.await("the exit to be reported", Duration.ofSeconds(5), () -> !fixture.unexpectedExits().isEmpty());
        UnexpectedExit exit = fixture.unexpectedExits().get(0);
        assertThat(exit.instanceId()).isEqualTo("alpha");
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.reason()).contains("exited unexpectedly").contains("SIGKILL");
        assertThat(fixture.runtime().running("alpha")).isEmpty();
        assertThat(fixture.ports().isLeased(pb.port())).isFalse();
        assertThat(fixture.runtime().logs("alpha", 5)).anyMatch(l -> l.contains("(unexpected)"));
    }

    @Test
    void aSigtermFromSomeoneElseIsReportedToo() {
        PocketBaseProcess pb = fixture.runtime().start("alpha");

        ProcessHandle.of(pb.pid()).orElseThrow().destroy();

        Deadline.await("the exit to be reported", Duration.ofSeconds(5), () -> !fixture.unexpectedExits().isEmpty());
        assertThat(fixture.unexpectedExits()).singleElement()
                .satisfies(e -> assertThat(e.reason()).contains("exited unexpectedly"));
    }

    @Test
    void anInstanceThatDiedCanBeStartedAgain() {
        PocketBaseProcess dead = fixture.runtime().start("alpha");
        ProcessHandle.of(dead.pid()).orElseThrow().destroyForcibly();
        Deadline.await("the exit to be reported", Duration.ofSeconds(5), () -> !fixture.unexpectedExits().isEmpty());

        PocketBaseProcess again = fixture.runtime().start("alpha");

        assertThat(again.pid()).isNotEqualTo(dead.pid());
        assertThat(InstanceRuntimeFixture.get(again.port(), "/api/health")).isEqualTo(200);
    }

    @Test
    void ourOwnStopIsNotReported() {
        fixture.runtime().start("alpha");

        fixture.runtime().stop("alpha");

        // stop() returns only after the exit has been handled, so a report would already be here.
        assertThat(fixture.unexpectedExits()).isEmpty();
    }
}
