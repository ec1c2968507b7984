package dev.picobase.api.auth;

import dev.picobase.core.model.User;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.store.MetadataStore;
import java.util.Optional;

/**
 * A password checked the way a sign-in checks it, for sign-in and for a password change: the caller's
 * address and the account are limited first ({@link SignInLimiter}, 429 past a limit), a failure is
 * counted, and an unknown email still spends a bcrypt's time, so response times do not reveal which
 * accounts exist.
 *
 * <p>Threading: blocks (database, bcrypt); called on the API's blocking executor.
 */
final class PasswordCheck {
    private final MetadataStore store;
    private final Passwords passwords;
    private final SignInLimiter limiter;

    PasswordCheck(MetadataStore store, Passwords passwords, SignInLimiter limiter) {
        this.store = store;
        this.passwords = passwords;
        this.limiter = limiter;
    }

    /** The account, if {@code password} is its password; empty (and counted as a failure) otherwise. */
    Optional<User> verify(String email, String password, String address) {
        limiter.attempt(address);
        limiter.check(email, address);
        Optional<MetadataStore.Credentials> credentials = store.findCredentials(email);
        boolean valid;
        if (credentials.isPresent()) {
            valid = passwords.verify(password, credentials.get().passwordHash());
        } else {
            passwords.verifyNothing(password);
            valid = false;
        }
        if (!valid) {
            limiter.failed(email, address);
            return Optional.empty();
        }
        limiter.succeeded(email, address);
        return Optional.of(credentials.get().user());
    }
}
