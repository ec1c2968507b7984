package dev.picobase.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The CLI's sizes and times: binary units as PICOBASE_DISK_BUDGET counts them, ages and spans in words a person uses. */
class UnitsTest {
    @Test
    void sizesAndAgesReadAsAPersonWritesThem() {
        assertThat(Units.bytes(0)).isEqualTo("0 B");
        assertThat(Units.bytes(1023)).isEqualTo("1023 B");
        assertThat(Units.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(Units.bytes(10L << 30)).isEqualTo("10.0 GiB");
        assertThat(Units.ago(java.time.Duration.ofMillis(300))).isEqualTo("just now");
        assertThat(Units.ago(java.time.Duration.ofSeconds(59))).isEqualTo("59 s ago");
        assertThat(Units.ago(java.time.Duration.ofMinutes(3))).isEqualTo("3 min ago");
        assertThat(Units.ago(java.time.Duration.ofDays(3))).isEqualTo("3 d ago");
        assertThat(Units.span(java.time.Duration.ofMinutes(192))).isEqualTo("3 h 12 min");
    }
}
