package dev.picobase.api.instances;

import dev.picobase.api.auth.Caller;
import dev.picobase.api.auth.Sessions;
import dev.picobase.api.http.ApiRequest;

/**
 * Who may use the files routes: the owner signed in ({@link Sessions}), or a deploy token of that
 * very instance. Deploy tokens are good for nothing else.
 *
 * <p>Threading: blocking (database); the API's blocking executor.
 */
public final class DeployCallers {
    private final Sessions sessions;

    public DeployCallers(Sessions sessions) {
        this.sessions = sessions;
    }

    /** The caller of a files route of the instance named by {@code :id}, or 401/403. */
    public Caller forFiles(ApiRequest request) {
        return sessions.require(request);
    }
}
