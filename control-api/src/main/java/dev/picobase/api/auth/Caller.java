package dev.picobase.api.auth;

import dev.picobase.core.model.User;

/** The signed-in user behind a request, and the session token it came with. */
public record Caller(User user, String sessionToken) {
    public String userId() {
        return user.id();
    }

    @Override
    public String toString() {
        return "Caller[" + user.id() + "]";
    }
}
