package dev.picobase.proxy.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
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
 * id (it is printed in the key's hint) with random secrets — is where bcrypt must be bounded without
 * handing the attacker a lever against the real key. Failed checks are counted per (public id,
 * client address) in one-minute windows ({@link #FAILURES_PER_ADDRESS}); past that an address gets
 * no more bcrypt for the id and is answered {@link KeyChecksExhaustedException} (429 with
 * {@code Retry-After}) rather than "invalid", which would claim the key is wrong. A secret whose
 * verdict is cached never reaches the count, right or wrong. So one address flooding an id sees
 * 401 twenty times a minute, then 429; the real key keeps working from every other address, even
 * when its verdict is not cached (a fresh key, an expired entry, a restarted node).
 *
 * <p>Many addresses. Per-address counting alone lets an attacker with N addresses spend 20·N
 * checks a minute on one id. A cap per id across addresses would bound that, but it is exactly the
 * lock-out lever this design removes: the real key would be refused once the cap is spent. So the
 * per-id count ({@link #FAILURES_PER_ID} a minute) only marks the id as under attack; then each
 * address gets one check of its own for the id per window — an address with no failures for it
 * (the owner's, normally) is always checked, one that failed already waits. Per id and minute that
 * is at most {@link #FAILURES_PER_ID} plus one per attacking address; what bounds the total bcrypt
 * work in the end is the key-check executor: a few threads and a bounded queue, which answers 503
 * busy when full. The trade-offs, accepted: a large botnet can make fresh key checks slow or busy
 * for everyone on the node (cached verdicts are untouched), but cannot make a key invalid; clients
 * behind one address (a NAT, or a proxy whose forwarded address is not trusted) share its budget;
 * and a 429 tells the caller that the public id exists, which its hint says anyway.
 *
 * <p>Revocation. {@link #revoke(String)} drops every cached verdict for a key at once (the control
 * API calls it in-process). A valid verdict older than {@code recheckAfter} is re-confirmed against
 * the database (a read, no bcrypt) in the background while it keeps being served, which bounds how
 * long a key deleted by another process keeps working to {@code recheckAfter} plus that read. A
 * suspended account's keys are revoked the same way; {@link #reinstate(String)} takes that back when
 * the account is reactivated (and forgets the refusals cached meanwhile).
 *
 * <p>Threading: {@link #verify} may be called on an event loop; it never blocks there.
 */
public final class ApiKeyVerifier {
    /** Failed bcrypt checks of one public id from one client address (an IPv6 /64) per minute. */
    static final int FAILURES_PER_ADDRESS = 20;
    /** Failed checks of one public id from all addresses per minute past which it is under attack. */
    static final int FAILURES_PER_ID = 200;
    /**
     * Failed checks from one client address over all public ids per minute: one address cycling
     * through many ids of its own tenant's keys must not fill the key-check pool for everyone.
     */
    static final int FAILURES_PER_ADDRESS_ALL_IDS = 100;

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
    private final KeyCheckBudget budget;
    /** Keys revoked lately, so a check that was already running cannot bring one back (see {@link #remember}). */
    private final Cache<String, Boolean> revoked = Caffeine.newBuilder().executor(Runnable::run)
            .maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(10)).build();
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
        this.budget = new KeyCheckBudget(FAILURES_PER_ADDRESS, FAILURES_PER_ID, FAILURES_PER_ADDRESS_ALL_IDS,
                Duration.ofMinutes(1),
                Ticker.systemTicker());
    }

    /**
     * The verdict for {@code presentedKey} sent from {@code clientAddress}; completes at once on a
     * cache hit. Completes exceptionally with {@link KeyChecksExhaustedException} when this address
     * has spent its failed checks for the key's public id, and with a
     * {@link java.util.concurrent.RejectedExecutionException} when the key-check pool is full.
     */
    public CompletableFuture<KeyVerdict> verify(String presentedKey, String clientAddress) {
        CompletableFuture<KeyVerdict> verdict = check(presentedKey, clientAddress);
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

    private CompletableFuture<KeyVerdict> check(String presentedKey, String clientAddress) {
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
                shared(digest, () -> recheck(digest, cached.verdict()), () -> { });
            }
            return cached.completed();
        }
        misses.incrementAndGet();
        CompletableFuture<KeyVerdict> running = inFlight.get(digest);
        if (running != null) {
            return running; // the same key's check is already paid for: wait for it, spend nothing
        }
        ApiKeySecret presented = ApiKeySecret.parse(presentedKey).orElseThrow();
        KeyCheckBudget.Reservation reservation = budget.reserve(presented.publicId(), clientAddress);
        if (!reservation.granted()) {
            return CompletableFuture.failedFuture(new KeyChecksExhaustedException(reservation.retryAfterSeconds()));
        }
        return shared(digest, () -> check(digest, presented, reservation), () -> budget.refund(reservation));
    }

    /**
     * Runs {@code work} on the blocking executor unless the same digest is being checked already, in
     * which case that check's future is returned and {@code notRun} is told (to give back what was
     * reserved for the work).
     */
    private CompletableFuture<KeyVerdict> shared(String digest, java.util.function.Supplier<KeyVerdict> work,
                                                 Runnable notRun) {
        CompletableFuture<KeyVerdict> mine = new CompletableFuture<>();
        CompletableFuture<KeyVerdict> existing = inFlight.putIfAbsent(digest, mine);
        if (existing != null) {
            notRun.run();
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
            notRun.run();
            mine.completeExceptionally(rejected);
        }
        return mine;
    }

    /** Looks the key up and runs bcrypt; the reservation is kept only when the secret was wrong. */
    private KeyVerdict check(String digest, ApiKeySecret presented, KeyCheckBudget.Reservation reservation) {
        boolean failed = false;
        try {
            Optional<ApiKey> stored = store.findApiKey(presented.publicId());
            KeyVerdict verdict = stored.isPresent() ? KeyVerdict.INVALID : KeyVerdict.notFound(presented.publicId());
            if (stored.isPresent()) {
                bcryptChecks.incrementAndGet();
                ApiKey key = stored.get();
                if (passwords.verify(presented.secret(), key.secretHash())) {
                    verdict = new KeyVerdict(true, key.instanceId(), key.id(), key.secretHash());
                } else {
                    failed = true;
                }
            }
            return remember(digest, verdict);
        } finally {
            if (!failed) {
                budget.refund(reservation); // a right secret or an unknown id spends no budget
            }
        }
    }

    private KeyVerdict recheck(String digest, KeyVerdict previous) {
        boolean stillThere = store.findApiKey(previous.keyId())
                .filter(k -> k.secretHash().equals(previous.storedHash()))
                .isPresent();
        return remember(digest, stillThere ? previous : KeyVerdict.INVALID);
    }

    /**
     * Caches {@code verdict}, unless it accepts a key revoked meanwhile. A check or recheck that read
     * the key's row just before it was deleted would otherwise put a valid verdict back after
     * {@link #revoke} had cleared them (the key kept working for another second). The verdict is put
     * first and the revocation looked at second, and {@link #revoke} records first and clears
     * second, so whichever runs last sees the other.
     */
    private KeyVerdict remember(String digest, KeyVerdict verdict) {
        verdicts.put(digest, new Entry(verdict, System.nanoTime()));
        if (verdict.valid() && revoked.getIfPresent(verdict.keyId()) != null) {
            verdicts.invalidate(digest);
            return KeyVerdict.INVALID;
        }
        return verdict;
    }

    /** Whether {@code keyId} was revoked on this node in the last ten minutes. */
    public boolean revokedLately(String keyId) {
        return revoked.getIfPresent(keyId) != null;
    }

    /** Forgets every cached verdict of key {@code keyId}: it stops working on this node at once. */
    public void revoke(String keyId) {
        revoked.put(keyId, Boolean.TRUE);
        verdicts.asMap().entrySet().removeIf(e -> keyId.equals(e.getValue().verdict().keyId()));
    }

    /**
     * Takes back a {@link #revoke} of {@code keyId} (its account was suspended and is reactivated): the
     * refusals cached meanwhile (the key was not found) are forgotten too, so the next request checks
     * the key against the database again, as a fresh key is.
     */
    public void reinstate(String keyId) {
        revoked.invalidate(keyId);
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
