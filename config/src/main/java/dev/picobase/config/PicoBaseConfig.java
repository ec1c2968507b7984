package dev.picobase.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole configuration of a PicoBase process: one immutable object, built and validated once at
 * start from environment variables, {@code .env} and {@code .env.local} (the environment wins over
 * {@code .env.local}, which wins over {@code .env}). Nothing else in PicoBase reads the environment.
 *
 * <p>The original Next.js PicoBase names ({@code TURSO_*}, {@code R2_*}, {@code POCKETBASE_BINARY_PATH},
 * {@code INSTANCES_BASE_PORT}) are understood, so an existing {@code .env.local} can be reused.
 */
public record PicoBaseConfig(
        Path dataDir,
        String bindAddress,
        int gatewayPort,
        int apiPort,
        String managementBindAddress,
        int managementPort,
        String baseDomain,
        Duration idleTimeout,
        MetadataConfig metadata,
        ObjectStorageConfig objectStorage,
        Optional<Path> pocketbaseBinary,
        int instancesBasePort,
        AuthConfig auth,
        GatewayConfig gateway,
        int snapshotRetention,
        Duration snapshotInterval,
        int holdMaxRequests,
        Duration holdTimeout,
        long diskBudgetBytes,
        long apiMaxBodyBytes,
        ConnectionLimits apiConnections,
        Set<String> reservedSubdomains,
        int maxKeysPerInstance,
        ClusterConfig cluster,
        MetadataBackupConfig metadataBackup,
        DeployConfig deploy,
        DomainConfig domains,
        List<String> warnings) {

    /** Every variable PicoBase reads; anything else starting with {@code PICOBASE_} gets a warning. */
    public static final Set<String> KNOWN = Set.of(
            "PICOBASE_DATA_DIR", "PICOBASE_BIND_ADDRESS", "PICOBASE_GATEWAY_PORT", "PICOBASE_API_PORT",
            "PICOBASE_MANAGEMENT_BIND_ADDRESS", "PICOBASE_MANAGEMENT_PORT", "PICOBASE_BASE_DOMAIN",
            "PICOBASE_IDLE_TIMEOUT", "TURSO_DATABASE_URL", "TURSO_AUTH_TOKEN", "R2_ACCOUNT_ID",
            "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_BUCKET_NAME", "PICOBASE_S3_ENDPOINT",
            "POCKETBASE_BINARY_PATH", "INSTANCES_BASE_PORT", "PICOBASE_BCRYPT_COST", "PICOBASE_SESSION_TTL",
            "PICOBASE_SECURE_COOKIES", "PICOBASE_SIGNIN_MAX_FAILURES", "PICOBASE_SIGNIN_LOCKOUT",
            "PICOBASE_SIGNIN_RATE_PER_ADDRESS", "PICOBASE_SIGNIN_MAX_FAILURES_PER_ACCOUNT", "PICOBASE_API_MAX_BODY",
            "PICOBASE_GATEWAY_HEADER_TIMEOUT", "PICOBASE_GATEWAY_CONNECT_TIMEOUT", "PICOBASE_GATEWAY_RESPONSE_TIMEOUT",
            "PICOBASE_GATEWAY_MAX_HEADER_SIZE", "PICOBASE_GATEWAY_MAX_URI_SIZE", "PICOBASE_GATEWAY_IO_THREADS",
            "PICOBASE_GATEWAY_WARMUP_REQUESTS",
            "PICOBASE_SNAPSHOT_RETENTION", "PICOBASE_SNAPSHOT_INTERVAL", "PICOBASE_HOLD_MAX_REQUESTS", "PICOBASE_HOLD_TIMEOUT",
            "PICOBASE_DISK_BUDGET", "PICOBASE_GATEWAY_MAX_CONNECTIONS", "PICOBASE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS",
            "PICOBASE_API_MAX_CONNECTIONS", "PICOBASE_API_MAX_CONNECTIONS_PER_ADDRESS",
            "PICOBASE_MAX_STREAMS_PER_ADDRESS", "PICOBASE_MAX_STREAMS_PER_INSTANCE", "PICOBASE_TRUSTED_PROXIES",
            "PICOBASE_RATE_LIMIT_DEFAULT",
            "PICOBASE_RESERVED_SUBDOMAINS", "PICOBASE_MAX_KEYS_PER_INSTANCE", "PICOBASE_NODE_ID",
            "PICOBASE_NODE_ADDRESS", "PICOBASE_NODE_API_ADDRESS", "PICOBASE_CLUSTER_SECRET", "PICOBASE_LEASE_TTL", "PICOBASE_LEASE_RENEW_INTERVAL",
            "PICOBASE_SIGNUP", "PICOBASE_OPERATOR_EMAILS",
            "PICOBASE_METADATA_BACKUP_INTERVAL", "PICOBASE_METADATA_BACKUP_RETENTION",
            "PICOBASE_DEPLOY_MAX_BYTES", "PICOBASE_DEPLOY_MAX_FILES", "PICOBASE_SECRETS_KEY",
            "PICOBASE_DNS_RESOLVER", "PICOBASE_DOMAIN_RECHECK_INTERVAL");

    /**
     * Subdomains no tenant may take unless the operator replaces the list: names that look like the
     * platform itself or its sign-in pages (phishing bait), and names other software looks up on its
     * own (mail clients' autodiscover/autoconfig, MTA-STS, WPAD and ISATAP proxy discovery, hosting
     * panels). Ordinary words tenants want for their own projects ({@code app}, {@code blog},
     * {@code dev}, {@code test}, {@code prod}, ...) are deliberately not here.
     */
    public static final Set<String> DEFAULT_RESERVED_SUBDOMAINS = Set.of(
            "www", "api", "admin", "administrator", "dashboard", "console", "gateway", "proxy", "status",
            "metrics", "docs", "help", "support", "auth", "login", "signin", "signup", "account", "accounts",
            "billing", "security", "root", "localhost", "picobase", "pocketbase",
            "mail", "email", "webmail", "smtp", "imap", "pop", "pop3", "mx", "autodiscover", "autoconfig",
            "mta-sts", "wpad", "isatap", "cpanel", "whm", "webdisk", "ftp", "ssh", "vpn", "ns1", "ns2", "dns", "cdn");

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private static final Pattern DOMAIN = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    private static final Pattern NODE_ID = Pattern.compile("[a-z0-9-]{1,63}");

    /** {@code host:port} with a DNS name or IPv4 address, or {@code [IPv6]:port}. */
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-f:.]+\\]|[^:\\[\\]]+):(\\d{1,5})");

    /** A shared secret shorter than this could be guessed by anyone who can reach a gateway. */
    static final int MIN_CLUSTER_SECRET_LENGTH = 32;

    public PicoBaseConfig {
        reservedSubdomains = Set.copyOf(reservedSubdomains);
        warnings = List.copyOf(warnings);
    }

    /** Reads the process environment and the {@code .env} files in {@code workDir}. */
    public static PicoBaseConfig load(Map<String, String> environment, Path workDir) {
        Map<String, String> merged = new HashMap<>(DotEnv.read(workDir.resolve(".env")));
        merged.putAll(DotEnv.read(workDir.resolve(".env.local")));
        merged.putAll(environment);
        return fromMap(merged);
    }

    /** Builds the configuration from already-merged variables (tests use this directly). */
    public static PicoBaseConfig fromMap(Map<String, String> values) {
        return fromMap(values, LocalHost::name);
    }

    /** As {@link #fromMap(Map)}, with the host name the node defaults derive from (read only if needed). */
    static PicoBaseConfig fromMap(Map<String, String> values, Supplier<String> hostName) {
        Settings s = new Settings(values);
        List<String> warnings = new ArrayList<>();
        values.keySet().stream()
                .filter(k -> k.startsWith("PICOBASE_") && !KNOWN.contains(k))
                .sorted()
                .forEach(k -> warnings.add(k + " is not a PicoBase setting and is ignored"));

        Path dataDir = s.path("PICOBASE_DATA_DIR", "./data");
        String bind = s.string("PICOBASE_BIND_ADDRESS", "0.0.0.0");
        int gatewayPort = s.port("PICOBASE_GATEWAY_PORT", 8080);
        int apiPort = s.port("PICOBASE_API_PORT", 3000);
        String managementBind = s.string("PICOBASE_MANAGEMENT_BIND_ADDRESS", "127.0.0.1");
        int managementPort = s.port("PICOBASE_MANAGEMENT_PORT", 9464);
        requireDistinct(gatewayPort, apiPort, managementPort);

        String baseDomain = s.string("PICOBASE_BASE_DOMAIN", "localhost").toLowerCase(java.util.Locale.ROOT);
        if (!DOMAIN.matcher(baseDomain).matches()) {
            throw new ConfigException("PICOBASE_BASE_DOMAIN", "not a valid domain name: '" + baseDomain + "'");
        }
        Duration idle = s.duration("PICOBASE_IDLE_TIMEOUT", Duration.ofMinutes(5), Duration.ofSeconds(1));

        MetadataConfig metadata = metadata(s, dataDir);
        ObjectStorageConfig storage = objectStorage(s, dataDir);

        Optional<Path> pocketbase = s.optional("POCKETBASE_BINARY_PATH").map(p -> s.path("POCKETBASE_BINARY_PATH", p));
        int basePort = s.integer("INSTANCES_BASE_PORT", 8090, 1024, 65000);

        AuthConfig auth = new AuthConfig(
                s.integer("PICOBASE_BCRYPT_COST", 10, 10, 16),
                s.duration("PICOBASE_SESSION_TTL", Duration.ofDays(7), Duration.ofMinutes(1)),
                s.bool("PICOBASE_SECURE_COOKIES", false),
                s.integer("PICOBASE_SIGNIN_MAX_FAILURES", 5, 1, 1000),
                s.duration("PICOBASE_SIGNIN_LOCKOUT", Duration.ofMinutes(15), Duration.ofSeconds(1)),
                s.integer("PICOBASE_SIGNIN_RATE_PER_ADDRESS", 30, 1, 100_000),
                s.integer("PICOBASE_SIGNIN_MAX_FAILURES_PER_ACCOUNT", 100, 1, 1_000_000),
                signupPolicy(s), operatorEmails(s));
        long maxBody = s.bytes("PICOBASE_API_MAX_BODY", 64 * 1024, 1024, 16L << 20);
        long openFiles = OpenFiles.limit();
        ConnectionLimits apiConnections = new ConnectionLimits(
                s.integer("PICOBASE_API_MAX_CONNECTIONS", OpenFiles.apiDefault(openFiles), 1, 1_000_000),
                s.integer("PICOBASE_API_MAX_CONNECTIONS_PER_ADDRESS", 128, 1, 1_000_000));
        ConnectionLimits gatewayConnections = new ConnectionLimits(
                s.integer("PICOBASE_GATEWAY_MAX_CONNECTIONS",
                        OpenFiles.gatewayDefault(openFiles, apiConnections.total()), 1, 1_000_000),
                s.integer("PICOBASE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", GatewayConfig.DEFAULT_CONNECTIONS_PER_ADDRESS,
                        1, 1_000_000));
        GatewayConfig gateway = new GatewayConfig(
                s.duration("PICOBASE_GATEWAY_HEADER_TIMEOUT", Duration.ofSeconds(30), Duration.ofMillis(100)),
                s.duration("PICOBASE_GATEWAY_CONNECT_TIMEOUT", Duration.ofSeconds(5), Duration.ofMillis(100),
                        Duration.ofHours(1)), // Netty takes it as int milliseconds
                s.duration("PICOBASE_GATEWAY_RESPONSE_TIMEOUT", Duration.ofSeconds(60), Duration.ofMillis(100)),
                (int) s.bytes("PICOBASE_GATEWAY_MAX_URI_SIZE", 8192, 256, 1 << 20),
                (int) s.bytes("PICOBASE_GATEWAY_MAX_HEADER_SIZE", 16384, 1024, 1 << 20),
                s.integer("PICOBASE_GATEWAY_IO_THREADS", Runtime.getRuntime().availableProcessors(), 1, 256),
                gatewayConnections,
                s.integer("PICOBASE_MAX_STREAMS_PER_ADDRESS", GatewayConfig.DEFAULT_STREAMS_PER_ADDRESS, 1, 1_000_000),
                s.integer("PICOBASE_MAX_STREAMS_PER_INSTANCE", GatewayConfig.DEFAULT_STREAMS_PER_INSTANCE, 1, 1_000_000),
                trustedProxies(s),
                RateLimit.parseDefault(s.string("PICOBASE_RATE_LIMIT_DEFAULT", "off")),
                s.integer("PICOBASE_GATEWAY_WARMUP_REQUESTS", GatewayConfig.DEFAULT_WARMUP_REQUESTS, 0, 10_000_000));

        return new PicoBaseConfig(dataDir, bind, gatewayPort, apiPort, managementBind, managementPort, baseDomain,
                idle, metadata, storage, pocketbase, basePort, auth, gateway,
                s.integer("PICOBASE_SNAPSHOT_RETENTION", 5, 1, 1000),
                // With a shared database another node takes a dead node's instances from the current
                // snapshot: the interval bounds what a node loss costs, so it is short there.
                s.duration("PICOBASE_SNAPSHOT_INTERVAL", metadata.isLibsql() ? Duration.ofSeconds(30)
                        : Duration.ofMinutes(15), Duration.ZERO),
                s.integer("PICOBASE_HOLD_MAX_REQUESTS", 10_000, 1, 1_000_000),
                s.duration("PICOBASE_HOLD_TIMEOUT", Duration.ofSeconds(30), Duration.ofMillis(100)),
                s.bytes("PICOBASE_DISK_BUDGET", 10L << 30, 0, 1L << 50), maxBody, apiConnections,
                reservedSubdomains(s), s.integer("PICOBASE_MAX_KEYS_PER_INSTANCE", 100, 1, 100_000),
                cluster(s, gatewayPort, hostName), metadataBackup(s), deploy(s), domains(s), warnings);
    }

    private static DomainConfig domains(Settings s) {
        Optional<String> resolver = s.optional("PICOBASE_DNS_RESOLVER").map(String::strip);
        resolver.ifPresent(r -> {
            Matcher m = HOST_PORT.matcher(r);
            if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
                throw new ConfigException("PICOBASE_DNS_RESOLVER", "expected host:port, e.g. 127.0.0.1:53, not '" + r + "'");
            }
        });
        return new DomainConfig(resolver, s.duration("PICOBASE_DOMAIN_RECHECK_INTERVAL", Duration.ofHours(1),
                Duration.ofSeconds(1)));
    }

    private static DeployConfig deploy(Settings s) {
        Optional<byte[]> key = s.optional("PICOBASE_SECRETS_KEY").map(raw -> {
            byte[] decoded;
            try {
                decoded = java.util.Base64.getDecoder().decode(raw.strip());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("PICOBASE_SECRETS_KEY", "not base64 (generate one with: openssl rand -base64 32)");
            }
            if (decoded.length != 32) {
                throw new ConfigException("PICOBASE_SECRETS_KEY", "must be 32 bytes, base64-encoded, not "
                        + decoded.length + " (generate one with: openssl rand -base64 32)");
            }
            return decoded;
        });
        return new DeployConfig(s.bytes("PICOBASE_DEPLOY_MAX_BYTES", 25L << 20, 1024, 1L << 30),
                s.integer("PICOBASE_DEPLOY_MAX_FILES", 1000, 1, 100_000), key);
    }

    private static void requireDistinct(int gateway, int api, int management) {
        if (gateway != 0 && gateway == api) {
            throw new ConfigException("PICOBASE_API_PORT", "must differ from PICOBASE_GATEWAY_PORT (" + gateway + ")");
        }
        if (management != 0 && (management == gateway || management == api)) {
            throw new ConfigException("PICOBASE_MANAGEMENT_PORT", "must differ from the gateway and API ports");
        }
    }

    private static AuthConfig.SignupPolicy signupPolicy(Settings s) {
        String raw = s.string("PICOBASE_SIGNUP", "open").strip().toLowerCase(java.util.Locale.ROOT);
        for (AuthConfig.SignupPolicy policy : AuthConfig.SignupPolicy.values()) {
            if (policy.wireName().equals(raw)) {
                return policy;
            }
        }
        throw new ConfigException("PICOBASE_SIGNUP", "expected open, invite or closed, got '" + raw + "'");
    }

    /** {@code PICOBASE_OPERATOR_EMAILS}: comma-separated, compared case-insensitively; none by default. */
    private static Set<String> operatorEmails(Settings s) {
        Set<String> emails = new java.util.TreeSet<>();
        for (String item : s.string("PICOBASE_OPERATOR_EMAILS", "").split(",")) {
            String email = item.strip().toLowerCase(java.util.Locale.ROOT);
            if (email.isEmpty()) {
                continue;
            }
            if (!email.matches("[^@\\s]+@[^@\\s]+")) {
                throw new ConfigException("PICOBASE_OPERATOR_EMAILS", "'" + item.strip() + "' is not an email address");
            }
            emails.add(email);
        }
        return emails;
    }

    /** {@code PICOBASE_TRUSTED_PROXIES}: comma-separated addresses or CIDR ranges; none by default. */
    private static List<Cidr> trustedProxies(Settings s) {
        List<Cidr> proxies = new ArrayList<>();
        for (String part : s.string("PICOBASE_TRUSTED_PROXIES", "").split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                proxies.add(Cidr.parse(part));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("PICOBASE_TRUSTED_PROXIES", e.getMessage());
            }
        }
        return proxies;
    }

    /**
     * The operator's comma-separated list replaces the default one (it does not add to it), so a
     * name can be freed as well as reserved; a value with no names in it (",") reserves none.
     */
    private static Set<String> reservedSubdomains(Settings s) {
        Optional<String> raw = s.optional("PICOBASE_RESERVED_SUBDOMAINS");
        if (raw.isEmpty()) {
            return DEFAULT_RESERVED_SUBDOMAINS;
        }
        Set<String> names = new java.util.TreeSet<>();
        for (String item : raw.get().split(",")) {
            String name = item.strip().toLowerCase(java.util.Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (!LABEL.matcher(name).matches()) {
                throw new ConfigException("PICOBASE_RESERVED_SUBDOMAINS", "'" + item.strip()
                        + "' is not a subdomain label (letters, digits and inner hyphens, at most 63)");
            }
            names.add(name);
        }
        return names;
    }

    /**
     * Node identity and lease timing. The defaults derive from the host name and gateway port, so a
     * single node needs none of these, and they are not checked as strictly as explicit values: a
     * host name an operator cannot change must not stop PicoBase from starting.
     */
    private static ClusterConfig cluster(Settings s, int gatewayPort, Supplier<String> hostName) {
        String[] host = new String[1]; // looked up once, and only when a default needs it
        Supplier<String> localHost = () -> host[0] != null ? host[0] : (host[0] = hostName.get());

        String nodeId = s.optional("PICOBASE_NODE_ID").map(raw -> {
            String id = raw.toLowerCase(java.util.Locale.ROOT);
            if (!NODE_ID.matcher(id).matches()) {
                throw new ConfigException("PICOBASE_NODE_ID",
                        "expected 1 to 63 letters, digits or hyphens, got '" + raw + "'");
            }
            return id;
        }).orElseGet(() -> defaultNodeId(localHost.get(), gatewayPort));

        String address = nodeAddress(s, "PICOBASE_NODE_ADDRESS", "gateway")
                .orElseGet(() -> localHost.get() + ":" + gatewayPort);
        Optional<String> apiAddress = nodeAddress(s, "PICOBASE_NODE_API_ADDRESS", "control API");

        // The value is never put in a message: a start-up log must not leak it.
        Optional<String> secret = s.optional("PICOBASE_CLUSTER_SECRET");
        if (secret.isPresent() && secret.get().length() < MIN_CLUSTER_SECRET_LENGTH) {
            throw new ConfigException("PICOBASE_CLUSTER_SECRET", "is too short: use at least "
                    + MIN_CLUSTER_SECRET_LENGTH + " characters (for example the output of openssl rand -hex 32)");
        }

        Duration ttl = s.duration("PICOBASE_LEASE_TTL", Duration.ofSeconds(15), Duration.ofSeconds(2),
                Duration.ofHours(1));
        Duration renew = s.duration("PICOBASE_LEASE_RENEW_INTERVAL", ttl.dividedBy(3), Duration.ofMillis(100));
        if (renew.multipliedBy(2).compareTo(ttl) >= 0) {
            throw new ConfigException("PICOBASE_LEASE_RENEW_INTERVAL", "must be less than half of PICOBASE_LEASE_TTL ("
                    + ttl.toMillis() + "ms), got " + renew.toMillis() + "ms");
        }
        return new ClusterConfig(nodeId, address, apiAddress, secret, ttl, renew);
    }

    /** An explicit {@code host:port} at which other nodes reach this node's {@code what}. */
    private static Optional<String> nodeAddress(Settings s, String name, String what) {
        return s.optional(name).map(raw -> {
            Matcher m = HOST_PORT.matcher(raw.toLowerCase(java.util.Locale.ROOT));
            if (!m.matches() || !(m.group(1).startsWith("[") || DOMAIN.matcher(m.group(1)).matches())
                    || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
                throw new ConfigException(name, "expected host:port at which other nodes reach this " + what
                        + ", got '" + raw + "'");
            }
            return raw;
        });
    }

    /**
     * {@code <host>-<gatewayPort>} from the host name's first label, with anything but letters,
     * digits and hyphens replaced, shortened to fit 63 characters.
     */
    static String defaultNodeId(String hostName, int gatewayPort) {
        String suffix = "-" + gatewayPort;
        String label = hostName.strip().toLowerCase(java.util.Locale.ROOT).split("\\.", 2)[0]
                .replaceAll("[^a-z0-9-]", "-");
        if (label.isEmpty()) {
            label = "node";
        }
        return label.substring(0, Math.min(label.length(), 63 - suffix.length())) + suffix;
    }

    /**
     * {@code PICOBASE_METADATA_BACKUP_INTERVAL} (1h; {@code 0}, {@code 0s} or {@code off} turns backups
     * off) and {@code PICOBASE_METADATA_BACKUP_RETENTION} (48: two days of hourly backups).
     */
    private static MetadataBackupConfig metadataBackup(Settings s) {
        String raw = s.string("PICOBASE_METADATA_BACKUP_INTERVAL", "1h").toLowerCase(java.util.Locale.ROOT);
        Duration interval = raw.equals("0") || raw.equals("off") ? Duration.ZERO
                : s.duration("PICOBASE_METADATA_BACKUP_INTERVAL", Duration.ofHours(1), Duration.ZERO);
        if (!interval.isZero() && interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException("PICOBASE_METADATA_BACKUP_INTERVAL", "must be at least 1s (or 0 or off to "
                    + "turn metadata backups off), got '" + raw + "'");
        }
        return new MetadataBackupConfig(interval, s.integer("PICOBASE_METADATA_BACKUP_RETENTION", 48, 1, 100_000));
    }

    private static MetadataConfig metadata(Settings s, Path dataDir) {
        Optional<String> url = s.optional("TURSO_DATABASE_URL");
        if (url.isPresent() && !url.get().matches("(?i)(libsql|https?)://[^\\s/]+.*")) {
            throw new ConfigException("TURSO_DATABASE_URL",
                    "expected a libsql://, https:// or http:// URL, got '" + url.get() + "'");
        }
        Optional<String> token = s.optional("TURSO_AUTH_TOKEN");
        if (token.isPresent() && url.isEmpty()) {
            throw new ConfigException("TURSO_AUTH_TOKEN", "is set but TURSO_DATABASE_URL is not");
        }
        return new MetadataConfig(dataDir.resolve("picobase.db"), url, token);
    }

    private static ObjectStorageConfig objectStorage(Settings s, Path dataDir) {
        Optional<String> account = s.optional("R2_ACCOUNT_ID");
        Optional<String> endpoint = s.optional("PICOBASE_S3_ENDPOINT");
        Optional<String> keyId = s.optional("R2_ACCESS_KEY_ID");
        Optional<String> secret = s.optional("R2_SECRET_ACCESS_KEY");
        Optional<String> bucket = s.optional("R2_BUCKET_NAME");
        Path local = dataDir.resolve("objects");
        boolean anyS3 = account.isPresent() || endpoint.isPresent() || keyId.isPresent() || secret.isPresent();
        if (!anyS3) {
            return new ObjectStorageConfig(local, Optional.empty(), bucket, Optional.empty(), Optional.empty());
        }
        if (account.isPresent() && !account.get().matches("[A-Za-z0-9]{1,64}")) {
            throw new ConfigException("R2_ACCOUNT_ID", "expected the hexadecimal Cloudflare account id");
        }
        if (endpoint.isPresent() && !endpoint.get().matches("(?i)https?://[^\\s/]+/?")) {
            throw new ConfigException("PICOBASE_S3_ENDPOINT", "expected http(s)://host[:port], got '" + endpoint.get() + "'");
        }
        if (endpoint.isEmpty() && account.isEmpty()) {
            throw new ConfigException("R2_ACCOUNT_ID", "is required with R2 keys (or set PICOBASE_S3_ENDPOINT)");
        }
        for (var required : List.of(Map.entry("R2_ACCESS_KEY_ID", keyId),
                Map.entry("R2_SECRET_ACCESS_KEY", secret), Map.entry("R2_BUCKET_NAME", bucket))) {
            if (required.getValue().isEmpty()) {
                throw new ConfigException(required.getKey(), "is required when object storage is S3/R2");
            }
        }
        String url = endpoint.orElseGet(() -> "https://" + account.get() + ".r2.cloudflarestorage.com");
        return new ObjectStorageConfig(local, Optional.of(url), bucket, keyId, secret);
    }

    /** The public URL of an instance, e.g. {@code http://myapp.localhost:8080}. */
    public String instanceUrl(String subdomain) {
        String port = gatewayPort == 80 || gatewayPort == 0 ? "" : ":" + gatewayPort;
        return "http://" + subdomain + "." + baseDomain + port;
    }
}
