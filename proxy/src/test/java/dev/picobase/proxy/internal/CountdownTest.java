package dev.picobase.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connection's timeout on the loop's own clock ({@link EmbeddedChannel}'s, moved by hand): it runs out
 * once, counted from its last start; a cancel or a close means it never runs; a restart or a shorter
 * timeout is honoured although only one check is ever scheduled.
 */
class CountdownTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Countdown countdown = new Countdown();
    private final AtomicInteger ran = new AtomicInteger();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void after(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private void start(long millis) {
        countdown.start(channel.eventLoop(), millis, ran::incrementAndGet);
    }

    @Test
    void runsOnceWhenItsTimeIsUp() {
        start(100);
        after(99);
        assertThat(ran).hasValue(0);
        after(1);
        assertThat(ran).hasValue(1);
        after(1_000);
        assertThat(ran).hasValue(1);
    }

    @Test
    void aRestartCountsFromTheRestart() {
        start(100);
        after(60);
        start(100); // the next exchange
        after(60);
        assertThat(ran).as("120 ms after the first start, 60 after the second").hasValue(0);
        after(40);
        assertThat(ran).hasValue(1);
    }

    @Test
    void aShorterTimeoutThanTheOneCheckedForRunsOnTime() {
        start(1_000);
        start(50);
        after(50);
        assertThat(ran).hasValue(1);
    }

    @Test
    void aCancelledOneNeverRunsAndStartsAgainCleanly() {
        start(100);
        countdown.cancel();
        after(200);
        assertThat(ran).hasValue(0);
        start(100);
        after(100);
        assertThat(ran).hasValue(1);
    }

    @Test
    void startUnlessRunningKeepsTheOneCounting() {
        start(100);
        after(60);
        countdown.startUnlessRunning(channel.eventLoop(), 100, ran::incrementAndGet);
        after(40);
        assertThat(ran).as("the first one went on").hasValue(1);
    }

    @Test
    void closeRemovesTheScheduledCheck() {
        start(100);
        countdown.close();
        assertThat(channel.runScheduledPendingTasks()).as("nothing left scheduled to hold the closed connection")
                .isEqualTo(-1);
        after(200);
        assertThat(ran).hasValue(0);
    }
}
