package dev.picobase.proxy.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.picobase.core.model.ApiKey;
import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.store.MetadataStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks API keys on the gateway's hot path without putting bcrypt or the database there.
 *
 * <p>Design. A verdict (valid for instance X, or invalid) is cached in Caffeine under the SHA-256 of
 * the presented key — never the key itself — so a repeat request costs one hash and one map read
 * on the event loop. Only a miss leaves the loop: the key's public id is looked up by primary key
 * and its secret checked with bcrypt, on the blocking executor. Concurrent misses for the same key
 * share one check.
 *
 * <p>Floods. Keys that are not shaped like ours are refused before any lookup. Well-formed keys
 * with an unknown public id cost one indexed read, no bcrypt. The remaining attack — a known public
 * id with random secrets — is capped: after {@link #MAX_FAILURES_PER_ID} failed bcrypt checks for
 * one public id within a minute, further unknown secrets for it are refused without bcrypt (the
 * real key, already cached, keeps working).
 *
 * <p>Revocation. {@link #revoke(String)} drops every cached verdict for a key at once (the control
 * API calls it in-process). A valid verdict older than {@code recheckAfter} is re-confirmed against
 * the database (a read, no bcrypt) in the background while it keeps being served, which bounds how
 * long a key deleted by another process keeps working to {@code recheckAfter} plus that read.
 *
 * <p>Threading: {@link #verify} may be called on an event loop; it never blocks there.
 */
public final class ApiKeyVerifier {
    static final int MAX_FAILURES_PER_ID = 20;

    /** A cached verdict, with a completed future of it handed to every request that hits it. */
    private record Entry(KeyVerdict verdict, long checkedAtNanos, CompletableFuture<KeyVerdict> completed) {
        Entry(KeyVerdict verdict, long checkedAtNanos) {
            this(verdict, checkedAtNanos, CompletableFuture.completedFuture(verdict));
        }
    }

    private final MetadataStore store;
    private final java.util.function.Consumer<String> onUse;
    private final Passwords passwords;
    private final Executor blocking;
    private final long recheckAfterNanos;
    private final Cache<String, Entry> verdicts;
    private final Cache<String, AtomicLong> failuresById;
    private final ConcurrentHashMap<String, CompletableFuture<KeyVerdict>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong bcryptChecks = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    public ApiKeyVerifier(MetadataStore store, Passwords passwords, Executor blocking, Duration recheckAfter) {
        this(store, passwords, blocking, recheckAfter, keyId -> { });
    }

    /** @param onUse told the id of a key each time it is accepted (last-used bookkeeping; must not block) */
    public ApiKeyVerifier(MetadataStore store, Passwords passwords, Executor blocking, Duration recheckAfter,
                          java.util.function.Consumer<String> onUse) {
        this.onUse = onUse;
        this.store = store;
        this.passwords = passwords;
        this.blocking = blocking;
        this.recheckAfterNanos = recheckAfter.toNanos();
        // Maintenance runs on the calling thread (amortised, tiny) instead of waking the common pool
        // on the event loop's hot path.
        this.verdicts = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(200_000)
                .expireAfter(Expiry.<String, Entry>creating((k, e) ->
                        e.verdict().valid() ? Duration.ofHours(1) : Duration.ofMinutes(1)))
                .build();
        this.failuresById = Caffeine.newBuilder().executor(Runnable::run).maximumSize(100_000)
                .expireAfterWrite(1, TimeUnit.MINUTES).build();
    }

    /** The verdict for {@code presentedKey}; completes at once on a cache hit. */
    public CompletableFuture<KeyVerdict> verify(String presentedKey) {
        CompletableFuture<KeyVerdict> verdict = check(presentedKey);
        if (verdict.isDone() && !verdict.isCompletedExceptionally()) { // cache hit: no extra stage per request
            recordUse(verdict.getNow(KeyVerdict.INVALID));
            return verdict;
        }
        return verdict.whenComplete((v, t) -> recordUse(v));
    }

    private void recordUse(KeyVerdict verdict) {
        if (verdict != null && verdict.valid()) {
            onUse.accept(verdict.keyId());
        }
    }

    private CompletableFuture<KeyVerdict> check(String presentedKey) {
        if (!ApiKeySecret.isWellFormed(presentedKey)) {
            return CompletableFuture.completedFuture(KeyVerdict.INVALID);
        }
        String digest = Tokens.sha256Hex(presentedKey);
        Entry cached = verdicts.getIfPresent(digest);
        if (cached != null) {
            hits.incrementAndGet();
            if (cached.verdict().valid() && System.nanoTime() - cached.checkedAtNanos() > recheckAfterNanos) {
                // Re-confirmed in the background (one read, shared by concurrent requests); requests do
                // not wait for it, so a key-check pool busy with a flood of bad keys never stalls them.
                shared(digest, () -> recheck(digest, cached.verdict()));
            }
            return cached.completed();
        }
        misses.incrementAndGet();
        return shared(digest, () -> check(digest, ApiKeySecret.parse(presentedKey).orElseThrow()));
    }

    private CompletableFuture<KeyVerdict> shared(String digest, java.util.function.Supplier<KeyVerdict> work) {
        CompletableFuture<KeyVerdict> mine = new CompletableFuture<>();
        CompletableFuture<KeyVerdict> existing = inFlight.putIfAbsent(digest, mine);
        if (existing != null) {
            return existing;
        }
        try {
            blocking.execute(() -> {
                try {
                    mine.complete(work.get());
                } catch (RuntimeException e) {
                    mine.completeExceptionally(e);
                } finally {
                    inFlight.remove(digest, mine);
                }
            });
        } catch (RuntimeException rejected) {
            inFlight.remove(digest, mine);
            mine.completeExceptionally(rejected);
        }
        return mine;
    }

    private KeyVerdict check(String digest, ApiKeySecret presented) {
        Optional<ApiKey> stored = store.findApiKey(presented.publicId());
        KeyVerdict verdict;
        if (stored.isEmpty()) {
            verdict = KeyVerdict.INVALID;
        } else {
            AtomicLong failures = failuresById.get(presented.publicId(), id -> new AtomicLong());
            if (failures.get() >= MAX_FAILURES_PER_ID) {
                return KeyVerdict.INVALID; // not cached: the real key must still get its check
            }
            bcryptChecks.incrementAndGet();
            ApiKey key = stored.get();
            if (passwords.verify(presented.secret(), key.secretHash())) {
                verdict = new KeyVerdict(true, key.instanceId(), key.id(), key.secretHash());
            } else {
                failures.incrementAndGet();
                verdict = KeyVerdict.INVALID;
            }
        }
        verdicts.put(digest, new Entry(verdict, System.nanoTime()));
        return verdict;
    }

    private KeyVerdict recheck(String digest, KeyVerdict previous) {
        boolean stillThere = store.findApiKey(previous.keyId())
                .filter(k -> k.secretHash().equals(previous.storedHash()))
                .isPresent();
        KeyVerdict verdict = stillThere ? previous : KeyVerdict.INVALID;
        verdicts.put(digest, new Entry(verdict, System.nanoTime()));
        return verdict;
    }

    /** Forgets every cached verdict of key {@code keyId}: it stops working on this node at once. */
    public void revoke(String keyId) {
        verdicts.asMap().entrySet().removeIf(e -> keyId.equals(e.getValue().verdict().keyId()));
    }

    /** How many bcrypt comparisons ran since start (tests and metrics). */
    public long bcryptChecks() {
        return bcryptChecks.get();
    }

    public long cacheHits() {
        return hits.get();
    }

    public long cacheMisses() {
        return misses.get();
    }
}
