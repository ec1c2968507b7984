package dev.picobase.api.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.picobase.api.http.ApiException;
import dev.picobase.config.AuthConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slows down password guessing two ways: at most N failed sign-ins per account within a window
 * (then 429 until the window ends, whoever asks), and at most M attempts per client address per
 * minute (sign-up counts too). Counters live in Caffeine caches that forget a window when it ends,
 * so memory stays bounded however many addresses or emails are tried.
 *
 * <p>Threading: thread-safe, non-blocking; counters are approximate under races, never unbounded.
 */
public final class SignInLimiter {
    private static final Duration ADDRESS_WINDOW = Duration.ofMinutes(1);

    private record Window(long startNanos, AtomicInteger count) {}

    private final AuthConfig config;
    private final Ticker ticker;
    private final Cache<String, Window> failuresByAccount;
    private final Cache<String, Window> attemptsByAddress;

    public SignInLimiter(AuthConfig config, Ticker ticker) {
        this.config = config;
        this.ticker = ticker;
        this.failuresByAccount = Caffeine.newBuilder().ticker(ticker).maximumSize(100_000)
                .expireAfterWrite(config.signInFailureWindow().toNanos(), TimeUnit.NANOSECONDS).build();
        this.attemptsByAddress = Caffeine.newBuilder().ticker(ticker).maximumSize(100_000)
                .expireAfterWrite(ADDRESS_WINDOW.toNanos(), TimeUnit.NANOSECONDS).build();
    }

    /** Counts one attempt from {@code address}; 429 when it has made too many this minute. */
    public void attempt(String address) {
        Window w = attemptsByAddress.get(address, a -> new Window(ticker.read(), new AtomicInteger()));
        if (w.count().incrementAndGet() > config.signInAttemptsPerAddressPerMinute()) {
            throw ApiException.rateLimited("too many attempts from your address; wait a minute",
                    secondsLeft(w, ADDRESS_WINDOW));
        }
    }

    /** 429 when {@code account} is locked by earlier failures. */
    public void checkAccount(String account) {
        Window w = failuresByAccount.getIfPresent(account);
        if (w != null && w.count().get() >= config.signInMaxFailures()) {
            throw ApiException.rateLimited("too many failed sign-ins for this account; try again later",
                    secondsLeft(w, config.signInFailureWindow()));
        }
    }

    public void failed(String account) {
        failuresByAccount.get(account, a -> new Window(ticker.read(), new AtomicInteger())).count().incrementAndGet();
    }

    public void succeeded(String account) {
        failuresByAccount.invalidate(account);
    }

    private long secondsLeft(Window w, Duration window) {
        long left = window.toNanos() - (ticker.read() - w.startNanos());
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L));
    }
}
