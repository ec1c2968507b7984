package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.proxy.testsupport.TestBackend;
import dev.picobase.testsupport.Deadline;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client on a slow link (or one that stops reading) must slow PocketBase down, not make the
 * gateway hold the rest of the response in memory: read from the backend only when the last write
 * to the client completed. Observed from the backend: while the client reads nothing, the backend's
 * blocking writes stall with most of a 50 MB body still unwritten (only socket buffers fill up).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientAppliesBackpressureTest {
    private static final long SIZE = 50L * 1024 * 1024;

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void backendStallsWhileClientDoesNotRead() throws Exception {
        TestBackend backend = gateway.backend();
        try (RawHttp c = RawHttp.connect(gateway.port(), 64 * 1024)) {
            c.send("GET /bytes?size=" + SIZE + " HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: "
                    + gateway.appKey() + "\r\n\r\n");
            RawHttp.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            MessageDigest d = TestBackend.sha256();
            InputStream in = c.input();
            byte[] buf = new byte[64 * 1024];
            long read = 0;
            while (read < 1024 * 1024) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, 1024 * 1024 - read));
                d.update(buf, 0, n);
                read += n;
            }
            // The client now reads nothing; the backend must come to a halt well short of the end.
            Deadline.await("the backend's writes to stall", Duration.ofSeconds(20),
                    () -> System.nanoTime() - backend.lastWriteNanos() > TimeUnit.MILLISECONDS.toNanos(500));
            long written = backend.bytesWritten();
            assertThat(written).as("bytes the backend could write while the client read 1 MB")
                    .isLessThan(SIZE / 2);

            int n;
            while (read < SIZE && (n = in.read(buf, 0, (int) Math.min(buf.length, SIZE - read))) > 0) {
                d.update(buf, 0, n);
                read += n;
            }
            assertThat(read).isEqualTo(SIZE);
            assertThat(HexFormat.of().formatHex(d.digest())).isEqualTo(TestBackend.patternSha256(SIZE));
        }
    }
}
