package dev.picobase.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Account security knobs: bcrypt cost for passwords and API-key secrets, session lifetime, cookie
 * flags, the sign-in rate limits (failures per account from one address within a window, a backstop
 * of failures per account from all addresses in that window, attempts per client address per
 * minute), who may sign up ({@link SignupPolicy}) and which accounts are the platform's operators.
 */
public record AuthConfig(
        int bcryptCost,
        Duration sessionTtl,
        boolean secureCookies,
        int signInMaxFailures,
        Duration signInFailureWindow,
        int signInAttemptsPerAddressPerMinute,
        int signInMaxFailuresPerAccount,
        SignupPolicy signup,
        Set<String> operatorEmails) {

    /** {@code PICOBASE_SIGNUP}: anyone may sign up, only with an operator's invitation, or nobody. */
    public enum SignupPolicy {
        OPEN, INVITE, CLOSED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AuthConfig {
        operatorEmails = Set.copyOf(operatorEmails);
    }

    /** The knobs with sign-up open and no operators (tests that only exercise sign-in). */
    public AuthConfig(int bcryptCost, Duration sessionTtl, boolean secureCookies, int signInMaxFailures,
                      Duration signInFailureWindow, int signInAttemptsPerAddressPerMinute,
                      int signInMaxFailuresPerAccount) {
        this(bcryptCost, sessionTtl, secureCookies, signInMaxFailures, signInFailureWindow,
                signInAttemptsPerAddressPerMinute, signInMaxFailuresPerAccount, SignupPolicy.OPEN, Set.of());
    }

    /** Whether the account with this email is an operator ({@code PICOBASE_OPERATOR_EMAILS}, case-insensitive). */
    public boolean isOperator(String email) {
        return email != null && operatorEmails.contains(email.toLowerCase(Locale.ROOT));
    }
}
