package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Downloads stream through unchanged: with the backend's Content-Length kept (so clients show
 * progress) or re-chunked when the backend streams — and byte for byte identical either way.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LargeDownloadIsByteIdenticalTest {
    private static final int SIZE = 20 * 1024 * 1024;

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void contentLengthDownloadIsIdentical() throws Exception {
        HttpResponse<InputStream> r = download("/bytes?size=" + SIZE);
        assertThat(r.headers().firstValue("content-length")).hasValue(String.valueOf(SIZE));
        assertIdentical(r);
    }

    @Test
    void chunkedDownloadIsIdentical() throws Exception {
        HttpResponse<InputStream> r = download("/bytes?chunked=1&size=" + SIZE);
        assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertIdentical(r);
    }

    private static HttpResponse<InputStream> download(String path) throws Exception {
        HttpResponse<InputStream> r = gateway.http().send(gateway.appRequest(path).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        return r;
    }

    private static void assertIdentical(HttpResponse<InputStream> r) throws IOException {
        MessageDigest d = TestBackend.sha256();
        long total = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
                total += n;
            }
        }
        assertThat(total).isEqualTo(SIZE);
        assertThat(HexFormat.of().formatHex(d.digest())).isEqualTo(TestBackend.patternSha256(SIZE));
    }
}
