package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.PlatformProcess.Exit;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.S3ProxyServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What start-up finds wrong ends {@code picobase up} with one line naming the setting to change
 * and exit code 2, as a malformed value does. Before: a port in use or a bind address that is not
 * this machine's printed a Netty/JDK stack trace naming no variable; a duration too large for a
 * long printed a raw NumberFormatException; and a missing bucket passed start-up unnoticed until
 * the first save failed. Each case runs {@code picobase up} as its own process, as a user would.
 */
class StartupErrorsAreOneLineNamingTheSettingTest {
    private static final Duration EXITS_WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Exit run(Map<String, String> settings) {
        return PlatformProcess.runExpectingExit("picobase", dir.resolve("data"), dir.resolve("work"), settings,
                EXITS_WITHIN);
    }

    /**
     * Exit code 2; the last line printed names the variable and the problem, and it is the only
     * error: no stack trace, no exception name, no other warning or error. (Ordinary start-up log
     * lines, such as the metadata migrations, may come before it.)
     */
    private static void assertOneLineNaming(Exit exit, String prefix, String variable, String problem) {
        assertThat(exit.code()).as(exit.output()).isEqualTo(2);
        List<String> lines = exit.output().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(exit.output()).isNotEmpty();
        assertThat(lines.get(lines.size() - 1)).as(exit.output()).startsWith(prefix + variable + ": ").contains(problem);
        assertThat(lines).as(exit.output()).filteredOn(l -> l.startsWith("picobase:")).hasSize(1);
        assertThat(lines).as(exit.output()).noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")
                || l.contains(" WARN ") || l.contains(" ERROR "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PICOBASE_API_PORT", "PICOBASE_GATEWAY_PORT", "PICOBASE_MANAGEMENT_PORT"})
    void aPortInUseNamesItsVariable(String variable) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Exit exit = run(Map.of(variable, Integer.toString(taken.getLocalPort())));

            assertOneLineNaming(exit, "picobase: cannot start: ", variable,
                    "port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PICOBASE_BIND_ADDRESS", "PICOBASE_MANAGEMENT_BIND_ADDRESS"})
    void anUnresolvableBindAddressNamesItsVariable(String variable) {
        Exit exit = run(Map.of(variable, "no-such-host.invalid"));

        assertOneLineNaming(exit, "picobase: cannot start: ", variable, "cannot resolve 'no-such-host.invalid'");
    }

    /** 192.0.2.1 (TEST-NET-1) resolves, but no interface of this machine has it. */
    @Test
    void aBindAddressOfAnotherMachineNamesItsVariable() {
        Exit exit = run(Map.of("PICOBASE_BIND_ADDRESS", "192.0.2.1"));

        assertOneLineNaming(exit, "picobase: cannot start: ", "PICOBASE_BIND_ADDRESS", "cannot listen on '192.0.2.1'");
    }

    @Test
    void aDurationTooLargeForALongNamesItsVariable() {
        Exit exit = run(Map.of("PICOBASE_IDLE_TIMEOUT", "99999999999999999999s"));

        assertOneLineNaming(exit, "picobase: configuration error: ", "PICOBASE_IDLE_TIMEOUT", "must be at most 3650d");
    }

    @Test
    void aMissingBucketNamesR2BucketName() {
        S3ProxyServer s3 = S3ProxyServer.shared();
        Exit exit = run(s3.environment("picobase-no-such-bucket-" + Long.toHexString(System.nanoTime())));

        assertOneLineNaming(exit, "picobase: cannot start: ", "R2_BUCKET_NAME", "does not exist at " + s3.endpoint());
    }

    @Test
    void anUnreachableEndpointNamesPicobaseS3Endpoint() {
        S3ProxyServer s3 = S3ProxyServer.shared();
        Map<String, String> settings = new HashMap<>(s3.environment());
        String nobody = "http://127.0.0.1:" + FreePorts.next();
        settings.put("PICOBASE_S3_ENDPOINT", nobody);

        Exit exit = run(settings);

        assertOneLineNaming(exit, "picobase: cannot start: ", "PICOBASE_S3_ENDPOINT", "cannot reach " + nobody);
    }
}
