package dev.picobase.bench.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The relay counts metadata round trips by finding where each HTTP request starts in what the
 * platform sends to sqld. What could go wrong: a request cut across chunks counted twice or not at
 * all; two requests in one chunk (keep-alive, pipelined) counted as one; a body that contains
 * {@code "\r\n\r\nPOST / HTTP/1.1"} (SQL text can) taken for a new request; a chunked body whose end
 * is missed, so every later request on the connection is lost; a start stamped with the time its
 * head completed instead of when its first byte arrived. This feeds {@link HttpRequestStream} the
 * bytes the libSQL driver sends, cut every possible way, and checks count, order, statements and
 * start times.
 */
class RequestStartsAreFoundWhereverTcpCutsTheStreamTest {
    /** A statement whose text looks like the end of a head and the start of another request. */
    private static final String TRICKY_SQL = "SELECT '\\r\\n\\r\\nPOST / HTTP/1.1\\r\\n' AS x";

    private static String v1(String sql) {
        String body = "{\"statements\":[{\"q\":\"" + sql + "\",\"params\":[\"a\",1]}]}";
        return "POST / HTTP/1.1\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n\r\n" + body;
    }

    private static String chunkedPipeline(String sql) {
        String body = "{\"baton\":null,\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"" + sql
                + "\"}},{\"type\":\"close\"}]}";
        int half = body.length() / 2;
        return "POST /v2/pipeline HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: x\r\n\r\n"
                + Integer.toHexString(half) + "\r\n" + body.substring(0, half) + "\r\n"
                + Integer.toHexString(body.length() - half) + ";ext=1\r\n" + body.substring(half) + "\r\n0\r\n\r\n";
    }

    private static final String GET = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

    /** A body that is not JSON and holds, as raw bytes, what looks like a blank line and a whole request. */
    private static String raw() {
        String body = "x\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
        return "POST /raw HTTP/1.1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static byte[] stream() {
        return (v1("UPDATE instances SET status = ?") + v1(TRICKY_SQL) + raw() + GET + chunkedPipeline("INSERT INTO leases")
                + v1("SELECT 1")).getBytes(StandardCharsets.UTF_8);
    }

    private static List<RelayedRequest> feed(byte[] bytes, List<Integer> cuts) {
        List<RelayedRequest> found = new ArrayList<>();
        HttpRequestStream parser = new HttpRequestStream(1, found::add);
        int from = 0;
        long chunk = 0;
        for (int cut : cuts) {
            parser.feed(bytes, from, cut - from, chunk++);
            from = cut;
        }
        parser.feed(bytes, from, bytes.length - from, chunk);
        assertThat(parser.broken()).isFalse();
        return found;
    }

    private static void assertTheSixRequests(List<RelayedRequest> found) {
        assertThat(found).extracting(RelayedRequest::method)
                .containsExactly("POST", "POST", "POST", "GET", "POST", "POST");
        assertThat(found).extracting(RelayedRequest::target)
                .containsExactly("/", "/", "/raw", "/health", "/v2/pipeline", "/");
        assertThat(found).extracting(RelayedRequest::statements).containsExactly(
                List.of("UPDATE instances SET status = ?"), List.of("SELECT '\r\n\r\nPOST / HTTP/1.1\r\n' AS x"),
                List.of(), List.of(), List.of("INSERT INTO leases"), List.of("SELECT 1"));
    }

    @Test
    void allInOneChunk() {
        assertTheSixRequests(feed(stream(), List.of()));
    }

    @Test
    void everyByteInAChunkOfItsOwn() {
        byte[] bytes = stream();
        List<Integer> cuts = new ArrayList<>();
        for (int i = 1; i < bytes.length; i++) {
            cuts.add(i);
        }
        List<RelayedRequest> found = feed(bytes, cuts);
        assertTheSixRequests(found);
        // Chunk i holds byte i: a request's start is the index of its first byte.
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int second = text.indexOf("POST / HTTP/1.1\r\nContent-Length", 1);
        assertThat(found.get(0).startNanos()).isZero();
        assertThat(found.get(1).startNanos()).isEqualTo(second);
        assertThat(found.get(2).startNanos()).isEqualTo(text.indexOf("POST /raw"));
        assertThat(found.get(3).startNanos()).isEqualTo(text.indexOf(GET));
    }

    @Test
    void randomCuts() {
        byte[] bytes = stream();
        SplittableRandom random = new SplittableRandom(42);
        for (int trial = 0; trial < 500; trial++) {
            List<Integer> cuts = new ArrayList<>();
            for (int at = random.nextInt(1, 40); at < bytes.length; at += random.nextInt(1, 120)) {
                cuts.add(at);
            }
            assertTheSixRequests(feed(bytes, cuts));
        }
    }

    @Test
    void aStartIsWhenTheFirstByteArrivedNotWhenTheHeadEnded() {
        byte[] bytes = v1("SELECT 1").getBytes(StandardCharsets.UTF_8);
        List<RelayedRequest> found = new ArrayList<>();
        HttpRequestStream parser = new HttpRequestStream(1, found::add);
        parser.feed(bytes, 0, 5, 100);
        parser.feed(bytes, 5, 20, 200);
        parser.feed(bytes, 25, bytes.length - 25, 300);

        assertThat(found).singleElement().extracting(RelayedRequest::startNanos).isEqualTo(100L);
    }

    @Test
    void aHeadThatNeverEndsStopsCountingInsteadOfGrowing() {
        HttpRequestStream parser = new HttpRequestStream(1, r -> { });
        byte[] junk = new byte[70 * 1024];
        java.util.Arrays.fill(junk, (byte) 'x');
        parser.feed(junk, 0, junk.length, 0);

        assertThat(parser.broken()).isTrue();
    }
}
