package dev.picobase.core.code;

import java.time.Instant;

/** One deployed file as listed: its path inside its tree ({@code /}-separated), size, SHA-256 (hex), last change. */
public record CodeFile(String path, long size, String sha256, Instant modified) {}
