package dev.picobase.bench.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.store.LibsqlBackend;
import dev.picobase.testsupport.SqldServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmarks read "metadata round trips" off the relay, so the relay must see exactly the HTTP
 * requests the platform's libSQL driver makes to a real sqld, one per statement, with their SQL, and
 * the answers must come back intact through it. What could go wrong: the driver speaking a protocol
 * the parser does not frame (HTTP/2, a streaming body), so statements are merged or missed; the
 * statements not read from the body, so background work could not be told apart; a delayed relay
 * corrupting or reordering answers. Opening a connection costs the driver a {@code SELECT 1} of its
 * own, which is counted like any statement.
 */
@Timeout(60)
class DelayRelayCountsEveryStatementTheDriverSendsTest {
    @TempDir
    Path dir;

    @Test
    void oneRequestPerStatementWithItsSql() throws Exception {
        try (SqldServer sqld = SqldServer.start(dir);
             DelayRelay relay = DelayRelay.start(address(sqld.url()), Duration.ofMillis(5))) {
            try (Connection c = new LibsqlBackend(relay.url(), null).open();
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO t (id, v) VALUES (?, ?)")) {
                    insert.setLong(1, 1);
                    insert.setString(2, "one\r\n\r\nPOST / HTTP/1.1");
                    insert.execute();
                }
                try (ResultSet rs = s.executeQuery("SELECT v FROM t WHERE id = 1")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("one\r\n\r\nPOST / HTTP/1.1");
                }
            }

            List<RelayedRequest> requests = relay.requests();
            assertThat(requests).extracting(r -> r.statements().get(0)).containsExactly(
                    "SELECT 1", // the driver's check when a connection opens
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                    "INSERT INTO t (id, v) VALUES (?, ?)",
                    "SELECT v FROM t WHERE id = 1");
            assertThat(requests).extracting(RelayedRequest::method).containsOnly("POST");
            assertThat(relay.unparsedConnections()).isZero();
            long first = requests.get(0).startNanos();
            assertThat(relay.requestsBetween(first, first + 1)).containsExactly(requests.get(0));
        }
    }

    private static InetSocketAddress address(String url) {
        URI uri = URI.create(url);
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }
}
