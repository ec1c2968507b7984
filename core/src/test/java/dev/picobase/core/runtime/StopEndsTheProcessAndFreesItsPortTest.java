package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.process.PocketBaseProcess;
import dev.picobase.core.process.StopOutcome;
import dev.picobase.testsupport.InstanceRuntimeFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StopEndsTheProcessAndFreesItsPortTest {
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
    void sigtermEndsPocketBaseAndThePortIsFreeAgain() throws IOException {
        PocketBaseProcess pb = fixture.runtime().start("alpha");

        assertThat(fixture.runtime().stop("alpha")).isEqualTo(StopOutcome.TERMINATED);

        assertThat(ProcessHandle.of(pb.pid()).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(pb.exited()).isCompleted();
        assertThat(pb.exited().join().unexpected()).isFalse();
        assertThat(fixture.runtime().running("alpha")).isEmpty();
        assertThat(fixture.ports().isLeased(pb.port())).isFalse();
        assertThat(fixture.directories().pbData("alpha").resolve("data.db")).isRegularFile();
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", pb.port())); // would fail if anything still held it
        }
    }

    @Test
    void aStoppedInstanceStartsAgainOnItsFreedPortWithItsData() {
        PocketBaseProcess first = fixture.runtime().start("alpha");
        fixture.runtime().stop("alpha");

        PocketBaseProcess second = fixture.runtime().start("alpha");

        assertThat(second.pid()).isNotEqualTo(first.pid());
        assertThat(second.port()).isEqualTo(first.port());
        assertThat(InstanceRuntimeFixture.get(second.port(), "/api/health")).isEqualTo(200);
        assertThat(fixture.runtime().logs("alpha", 500))
                .filteredOn(l -> l.contains("Server started at")).hasSize(2);
    }

    @Test
    void logsOfAStoppedInstanceAreStillReadable() {
        fixture.runtime().start("alpha");
        fixture.runtime().stop("alpha");

        List<String> logs = fixture.runtime().logs("alpha", 50);

        assertThat(logs).anyMatch(l -> l.contains("Server started at"));
        assertThat(logs.get(logs.size() - 1)).contains("PocketBase exited with exit code");
    }

    @Test
    void stoppingTwiceOrStoppingNothingIsHarmless() {
        PocketBaseProcess pb = fixture.runtime().start("alpha");
        assertThat(fixture.runtime().stop("alpha")).isEqualTo(StopOutcome.TERMINATED);
        assertThat(fixture.runtime().stop("alpha")).isEqualTo(StopOutcome.NOT_RUNNING);
        assertThat(pb.stop(java.time.Duration.ofSeconds(1))).isEqualTo(StopOutcome.TERMINATED);
        assertThat(fixture.runtime().stop("never-started")).isEqualTo(StopOutcome.NOT_RUNNING);
    }

    @Test
    void stopAllStopsEveryInstance() {
        List<PocketBaseProcess> started = List.of("a1", "a2", "a3").stream().map(fixture.runtime()::start).toList();

        fixture.runtime().stopAll();

        assertThat(started).noneMatch(PocketBaseProcess::isAlive);
        assertThat(started).allMatch(p -> fixture.runtime().running(p.instanceId()).isEmpty());
        assertThat(fixture.unexpectedExits()).isEmpty();
    }
}
