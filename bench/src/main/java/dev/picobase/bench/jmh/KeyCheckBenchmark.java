package dev.picobase.bench.jmh;

import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.store.UsageRecorder;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.keys.KeyVerdict;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link ApiKeyVerifier#verify} costs the gateway per request, wired as in production (real
 * SQLite store, bcrypt cost 10, a bounded two-thread key-check pool, one-second recheck of valid
 * verdicts, last-use recording). Each benchmark {@code join()}s the verdict, as the gateway waits
 * for it: on the cached path it is already complete, on a miss the time includes the hand-off to
 * the key-check pool and the indexed read there.
 *
 * <p>The flood cases use a different key per invocation (cheap counter-based keys, so generating
 * them costs next to nothing), because a flood of distinct random keys is what defeats the cache.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class KeyCheckBenchmark {
    /** 43 characters of the secret alphabet: a well-formed secret that matches no stored hash. */
    private static final String WRONG_SECRET = "wrongwrongwrongwrongwrongwrongwrongwrongwro";
    /** The client address every check comes from (budgets of failed checks are counted per address). */
    private static final String CLIENT = "192.0.2.7";

    private TenantStore tenants;
    private ThreadPoolExecutor keyChecks;
    private ApiKeyVerifier verifier;
    private String validKey;
    private String publicId;
    private String storedHash;
    private String unknownKey;
    private long counter;

    @Setup
    public void setUp() {
        tenants = TenantStore.create(10);
        TenantStore.Tenant tenant = tenants.instanceWithKey("app");
        validKey = tenant.key();
        publicId = tenant.publicId();
        storedHash = tenants.store().findApiKey(publicId).orElseThrow().secretHash();
        unknownKey = "pbk_" + "unknown00000" + "_" + WRONG_SECRET;
        keyChecks = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10_000),
                DaemonThreads.named("key-checks"));
        UsageRecorder usage = new UsageRecorder(tenants.store(), Clock.systemUTC());
        verifier = new ApiKeyVerifier(tenants.store(), tenants.passwords(), keyChecks, Duration.ofSeconds(1),
                usage::keyUsed);
        if (!verifier.verify(validKey, CLIENT).join().valid()) { // the one bcrypt; afterwards the verdict is cached
            throw new IllegalStateException("the benchmark's own key was refused");
        }
        verifier.verify(unknownKey, CLIENT).join();
        // Spend this address's budget of failed bcrypt checks for the real public id (20 a minute)
        // now, so the measurement sees the steady state of a long flood; bcryptCheck measures one.
        for (int i = 0; i < 20; i++) {
            verifier.verify(wrongSecretForRealId(), CLIENT).join();
        }
    }

    @TearDown
    public void tearDown() {
        keyChecks.shutdownNow();
        tenants.close();
    }

    /** A valid key seen before: SHA-256, one cache read (and once a second a recheck read). */
    @Benchmark
    public KeyVerdict validCached() {
        return verifier.verify(validKey, CLIENT).join();
    }

    /** The part of the cached path that hashes the presented key. */
    @Benchmark
    public String digestOnly() {
        return Tokens.sha256Hex(validKey);
    }

    /** 60 characters but not our shape: refused by the pattern, before any hashing or lookup. */
    @Benchmark
    public KeyVerdict malformed() {
        return verifier.verify("pbk_NOT-A-KEY!_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", CLIENT).join();
    }

    /** The same unknown well-formed key again: its invalid verdict is cached for a minute. */
    @Benchmark
    public KeyVerdict unknownIdRepeated() {
        return verifier.verify(unknownKey, CLIENT).join();
    }

    /** A new well-formed key with an unknown public id each time: a cache miss and one indexed read. */
    @Benchmark
    public KeyVerdict unknownIdDistinct() {
        return verifier.verify("pbk_" + base36(counter++) + "_" + WRONG_SECRET, CLIENT).join();
    }

    /**
     * The real public id with a new wrong secret each time from one address, once its 20 bcrypt
     * checks a minute are spent: refused on the calling thread (429), before any lookup.
     */
    @Benchmark
    public boolean knownIdWrongSecretDistinct() {
        return verifier.verify(wrongSecretForRealId(), CLIENT).isCompletedExceptionally();
    }

    /** One bcrypt comparison at cost 10, what each of the first 20 wrong secrets a minute costs. */
    @Benchmark
    public boolean bcryptCheck() {
        return tenants.passwords().verify(WRONG_SECRET, storedHash);
    }

    private String wrongSecretForRealId() {
        return "pbk_" + publicId + "_" + WRONG_SECRET.substring(12) + base36(counter++);
    }

    /** {@code n} as 12 base-36 digits (the public id's alphabet). */
    private static String base36(long n) {
        String digits = Long.toString(n, 36);
        return "000000000000".substring(digits.length()) + digits;
    }
}
