package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.process.PocketBaseProcess;
import dev.picobase.testsupport.InstanceRuntimeFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TwoInstancesRunSideBySideTest {
    @TempDir
    Path dataDir;

    @Test
    void eachInstanceHasItsOwnProcessPortAndData() {
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dataDir)) {
            PocketBaseProcess a = fixture.runtime().start("alpha");
            PocketBaseProcess b = fixture.runtime().start("beta");

            assertThat(b.port()).isNotEqualTo(a.port());
            assertThat(b.pid()).isNotEqualTo(a.pid());
            assertThat(InstanceRuntimeFixture.get(a.port(), "/api/health")).isEqualTo(200);
            assertThat(InstanceRuntimeFixture.get(b.port(), "/api/health")).isEqualTo(200);
            assertThat(fixture.directories().pbData("alpha").resolve("data.db")).isRegularFile();
            assertThat(fixture.directories().pbData("beta").resolve("data.db")).isRegularFile();

            fixture.runtime().stop("alpha");

            assertThat(InstanceRuntimeFixture.get(b.port(), "/api/health")).isEqualTo(200);
            assertThat(fixture.runtime().running("beta")).contains(b);
            assertThat(fixture.runtime().running("alpha")).isEmpty();
        }
    }
}
