package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The disk budget names copies to evict least recently used first, and only when over budget. */
class LocalCopiesTest {
    @Test
    void withinBudgetNothingIsEvicted() {
        LocalCopies copies = new LocalCopies(300);
        copies.used("a", 100);
        copies.used("b", 200);
        assertThat(copies.evictionOrder()).isEmpty();
        assertThat(copies.withinBudget()).isTrue();
    }

    @Test
    void overBudgetTheLeastRecentlyUsedComeFirst() {
        LocalCopies copies = new LocalCopies(250);
        copies.used("a", 100);
        copies.used("b", 100);
        copies.used("c", 100);
        copies.used("a", 100); // a used again: now the most recent

        assertThat(copies.evictionOrder()).containsExactly("b", "c", "a");
        copies.removed("b");
        assertThat(copies.withinBudget()).isTrue();
        assertThat(copies.evictionOrder()).isEmpty();
    }

    @Test
    void aStartMakesACopyTheMostRecentAndKeepsItsLastMeasuredSize() {
        LocalCopies copies = new LocalCopies(150);
        copies.used("a", 100);
        copies.used("b", 100);
        copies.touched("a");
        assertThat(copies.totalBytes()).isEqualTo(200);
        assertThat(copies.evictionOrder()).containsExactly("b", "a");
    }

    @Test
    void aCopyThatGrewIsCountedAtItsNewSize() {
        LocalCopies copies = new LocalCopies(250);
        copies.used("a", 100);
        copies.used("a", 300);
        assertThat(copies.totalBytes()).isEqualTo(300);
        assertThat(copies.evictionOrder()).containsExactly("a");
    }
}
