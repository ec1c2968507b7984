package dev.picobase.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Custom domains: the DNS server their TXT records are checked against ({@code PICOBASE_DNS_RESOLVER},
 * {@code host:port}; absent: the system's resolvers) and how often a verified or failed domain is
 * checked again ({@code PICOBASE_DOMAIN_RECHECK_INTERVAL}, 1 hour by default): a domain whose record
 * disappeared stops routing at the next check.
 */
public record DomainConfig(Optional<String> dnsResolver, Duration recheckInterval) {}
