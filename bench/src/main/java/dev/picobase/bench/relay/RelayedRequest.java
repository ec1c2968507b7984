package dev.picobase.bench.relay;

import java.util.List;

/**
 * One HTTP request that passed a {@link DelayRelay} from client to server.
 *
 * @param connection which relayed connection it came on (numbered from 1 as they were accepted)
 * @param startNanos when its first byte reached the relay ({@link System#nanoTime()}), before the delay:
 *                   the moment the client sent it
 * @param method     request method, e.g. {@code POST}
 * @param target     request target, e.g. {@code /} or {@code /v2/pipeline}
 * @param statements the SQL statements its body carried, in order, when it is a libSQL HTTP request
 *                   ({@link MetadataStatements}); empty otherwise
 */
public record RelayedRequest(long connection, long startNanos, String method, String target,
                             List<String> statements) {

    /** The first statement, shortened for a report; {@code method target} when it carried none. */
    public String label() {
        return statements.isEmpty() ? method + " " + target : MetadataStatements.label(statements.get(0));
    }
}
