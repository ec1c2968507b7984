package dev.picobase.api.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.picobase.api.http.ApiException;
import dev.picobase.config.AuthConfig;
import dev.picobase.proxy.AddressBuckets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slows down password guessing without handing strangers a way to lock owners out.
 *
 * <p>Three counters, each a fixed window in a Caffeine cache that forgets it when it ends, so memory
 * stays bounded however many addresses or emails are tried:
 * <ul>
 *   <li>attempts per client address per minute (sign-ups count too): the cap on how fast one
 *       address can guess at all, over every account;</li>
 *   <li>failures per (account, address) within the lockout window: past
 *       {@code PICOBASE_SIGNIN_MAX_FAILURES}, that address may not try that account again until the
 *       window ends. Only that address: the owner signing in from anywhere else is unaffected;</li>
 *   <li>failures per account over all addresses within the same window: a generous backstop
 *       against a botnet guessing one account from many addresses. Past it, an address that has
 *       already failed for the account is refused, so each further address gets one guess, while
 *       an address with no failures still has its password checked.</li>
 * </ul>
 * Before, failures were counted per account alone, so five wrong passwords from anyone locked the
 * account for its owner too. Now no counter a stranger can fill refuses a correct password from an
 * address that has not failed for that account.
 *
 * <p>Addresses are the client's as the control API resolves it: the TCP peer, or for a peer in
 * {@code PICOBASE_TRUSTED_PROXIES} the client its {@code X-Forwarded-For} names. They are counted as
 * {@link AddressBuckets} says (an IPv6 client by its /64, which one host usually holds whole).
 *
 * <p>Threading: thread-safe, non-blocking; counters are approximate under races, never unbounded.
 */
public final class SignInLimiter {
    private static final Duration ADDRESS_WINDOW = Duration.ofMinutes(1);
    private static final int MAX_TRACKED = 100_000;

    private record Window(long startNanos, AtomicInteger count) {}

    private final AuthConfig config;
    private final Ticker ticker;
    private final Cache<String, Window> attemptsByAddress;
    private final Cache<String, Window> failuresByAccountAndAddress;
    private final Cache<String, Window> failuresByAccount;

    public SignInLimiter(AuthConfig config, Ticker ticker) {
        this.config = config;
        this.ticker = ticker;
        this.attemptsByAddress = windows(ADDRESS_WINDOW);
        this.failuresByAccountAndAddress = windows(config.signInFailureWindow());
        this.failuresByAccount = windows(config.signInFailureWindow());
    }

    private Cache<String, Window> windows(Duration window) {
        return Caffeine.newBuilder().ticker(ticker).maximumSize(MAX_TRACKED)
                .expireAfterWrite(window.toNanos(), TimeUnit.NANOSECONDS).build();
    }

    /** Counts one attempt from {@code address}; 429 when it has made too many this minute. */
    public void attempt(String address) {
        Window w = open(attemptsByAddress, AddressBuckets.of(address));
        if (w.count().incrementAndGet() > config.signInAttemptsPerAddressPerMinute()) {
            throw ApiException.rateLimited("too many attempts from your address; wait a minute",
                    secondsLeft(w, ADDRESS_WINDOW));
        }
    }

    /**
     * 429 when {@code address} may not try {@code account} now: it failed too often for it, or the
     * account is past its failure backstop and this address has failed for it at least once.
     */
    public void check(String account, String address) {
        Window mine = failuresByAccountAndAddress.getIfPresent(pair(account, address));
        if (mine == null) {
            return; // a clean address always gets its password checked
        }
        if (mine.count().get() >= config.signInMaxFailures()) {
            throw locked(secondsLeft(mine, config.signInFailureWindow()));
        }
        Window all = failuresByAccount.getIfPresent(account);
        if (all != null && all.count().get() >= config.signInMaxFailuresPerAccount()) {
            throw locked(secondsLeft(all, config.signInFailureWindow()));
        }
    }

    public void failed(String account, String address) {
        open(failuresByAccountAndAddress, pair(account, address)).count().incrementAndGet();
        open(failuresByAccount, account).count().incrementAndGet();
    }

    /**
     * Forgets this address's failures for the account. The account-wide count stays: the owner
     * signing in says nothing about the guesses others are making.
     */
    public void succeeded(String account, String address) {
        failuresByAccountAndAddress.invalidate(pair(account, address));
    }

    private static ApiException locked(long retryAfterSeconds) {
        return ApiException.rateLimited("too many failed sign-ins for this account from your address; try again "
                + "later", retryAfterSeconds);
    }

    private Window open(Cache<String, Window> windows, String key) {
        return windows.get(key, k -> new Window(ticker.read(), new AtomicInteger()));
    }

    private static String pair(String account, String address) {
        return account + '\n' + AddressBuckets.of(address);
    }

    private long secondsLeft(Window w, Duration window) {
        long left = window.toNanos() - (ticker.read() - w.startNanos());
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L));
    }
}
