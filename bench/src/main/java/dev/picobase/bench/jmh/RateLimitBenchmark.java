package dev.picobase.bench.jmh;

import dev.picobase.config.RateLimit;
import dev.picobase.proxy.RateLimits;
import java.util.Optional;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the gateway's rate limit costs a request, per call of {@link RateLimits#take} on one thread:
 * {@code unlimited} (an instance with no limit and no platform default: the hot path of every instance
 * today), {@code wholeInstance} (one Bucket4j bucket per instance), {@code perAddress} (a bucket per
 * client address in the Caffeine cache, 1,000 addresses in turn). A bucket of 1,000,000 a minute is
 * empty after the first million calls, so most calls measure a refusal, which does the same work
 * (one compare-and-set attempt and the probe) as a pass.
 * {@code java -jar bench/target/picobase-bench.jar jmh RateLimitBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class RateLimitBenchmark {
    private RateLimits limits;
    private String[] addresses;
    private int next;

    @Setup
    public void setUp() {
        limits = new RateLimits(Optional.empty());
        limits.set("ins_whole", Optional.of(new RateLimit(RateLimit.MAX_PER_MINUTE, false)));
        limits.set("ins_address", Optional.of(new RateLimit(RateLimit.MAX_PER_MINUTE, true)));
        addresses = new String[1000];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = "10.0." + (i >> 8) + "." + (i & 255);
        }
    }

    @Benchmark
    public Object unlimited() {
        return limits.take("ins_free", "10.0.0.1");
    }

    @Benchmark
    public Object wholeInstance() {
        return limits.take("ins_whole", "10.0.0.1");
    }

    @Benchmark
    public Object perAddress() {
        next = (next + 1) % addresses.length;
        return limits.take("ins_address", addresses[next]);
    }
}
