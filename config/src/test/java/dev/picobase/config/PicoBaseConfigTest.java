package dev.picobase.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PicoBaseConfigTest {

    @Test
    void defaultsMatchTheSpec() {
        PicoBaseConfig c = PicoBaseConfig.fromMap(Map.of());
        assertThat(c.gatewayPort()).isEqualTo(8080);
        assertThat(c.apiPort()).isEqualTo(3000);
        assertThat(c.managementPort()).isEqualTo(9464);
        assertThat(c.managementBindAddress()).isEqualTo("127.0.0.1");
        assertThat(c.baseDomain()).isEqualTo("localhost");
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.instancesBasePort()).isEqualTo(8090);
        assertThat(c.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(c.metadata().isLibsql()).isFalse();
        assertThat(c.objectStorage().isS3()).isFalse();
        assertThat(c.auth().bcryptCost()).isGreaterThanOrEqualTo(10);
        assertThat(c.instanceUrl("myapp")).isEqualTo("http://myapp.localhost:8080");
    }

    @Test
    void environmentWinsOverDotEnvLocalWhichWinsOverDotEnv(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), "PICOBASE_API_PORT=3100\nPICOBASE_GATEWAY_PORT=8100\n"
                + "INSTANCES_BASE_PORT=9100\n");
        Files.writeString(dir.resolve(".env.local"), "# comment\nexport PICOBASE_GATEWAY_PORT=8200\n"
                + "TURSO_DATABASE_URL=\"libsql://db.example.turso.io\"\nTURSO_AUTH_TOKEN='secret-token'\n");
        PicoBaseConfig c = PicoBaseConfig.load(Map.of("INSTANCES_BASE_PORT", "9300"), dir);
        assertThat(c.apiPort()).isEqualTo(3100);
        assertThat(c.gatewayPort()).isEqualTo(8200);
        assertThat(c.instancesBasePort()).isEqualTo(9300);
        assertThat(c.metadata().libsqlUrl()).contains("libsql://db.example.turso.io");
        assertThat(c.metadata().toString()).doesNotContain("secret-token");
    }

    /**
     * With a shared database a dead node's instances restart elsewhere from their current snapshot,
     * so the snapshot interval is what a node loss costs: 30 s there by default, 15 min on one node.
     */
    @Test
    void theRateLimitDefaultIsOffUnlessSetAsNOrNPerAddress() {
        assertThat(PicoBaseConfig.fromMap(Map.of()).gateway().rateLimitDefault()).isEmpty();
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_RATE_LIMIT_DEFAULT", "off")).gateway().rateLimitDefault())
                .isEmpty();
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_RATE_LIMIT_DEFAULT", "600")).gateway().rateLimitDefault())
                .contains(new RateLimit(600, false));
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_RATE_LIMIT_DEFAULT", "120/address")).gateway()
                .rateLimitDefault()).contains(new RateLimit(120, true));
        for (String bad : new String[] {"0", "fast", "10/minute", "-5", "2000000"}) {
            assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_RATE_LIMIT_DEFAULT", bad)))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("PICOBASE_RATE_LIMIT_DEFAULT");
        }
    }

    @Test
    void snapshotsOfRunningInstancesAreFrequentByDefaultWhenTheDatabaseIsShared() {
        assertThat(PicoBaseConfig.fromMap(Map.of()).snapshotInterval()).isEqualTo(java.time.Duration.ofMinutes(15));
        assertThat(PicoBaseConfig.fromMap(Map.of("TURSO_DATABASE_URL", "libsql://db.example.turso.io"))
                .snapshotInterval()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(PicoBaseConfig.fromMap(Map.of("TURSO_DATABASE_URL", "libsql://db.example.turso.io",
                "PICOBASE_SNAPSHOT_INTERVAL", "5m")).snapshotInterval()).isEqualTo(java.time.Duration.ofMinutes(5));
    }

    @Test
    void metadataBackupsAreHourlyKeepingFortyEightAndCanBeTurnedOff() {
        MetadataBackupConfig defaults = PicoBaseConfig.fromMap(Map.of()).metadataBackup();
        assertThat(defaults.interval()).isEqualTo(Duration.ofHours(1));
        assertThat(defaults.retention()).isEqualTo(48);
        assertThat(defaults.enabled()).isTrue();
        for (String off : List.of("0", "off", "OFF", "0s")) {
            assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_METADATA_BACKUP_INTERVAL", off)).metadataBackup()
                    .enabled()).as(off).isFalse();
        }
        MetadataBackupConfig set = PicoBaseConfig.fromMap(Map.of("PICOBASE_METADATA_BACKUP_INTERVAL", "15m",
                "PICOBASE_METADATA_BACKUP_RETENTION", "7")).metadataBackup();
        assertThat(set).isEqualTo(new MetadataBackupConfig(Duration.ofMinutes(15), 7));

        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_METADATA_BACKUP_INTERVAL", "hourly")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("PICOBASE_METADATA_BACKUP_INTERVAL: expected a duration such as 30s, 5m or 2h, got 'hourly'");
        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_METADATA_BACKUP_INTERVAL", "500ms")))
                .hasMessage("PICOBASE_METADATA_BACKUP_INTERVAL: must be at least 1s (or 0 or off to turn metadata "
                        + "backups off), got '500ms'");
        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_METADATA_BACKUP_RETENTION", "0")))
                .hasMessage("PICOBASE_METADATA_BACKUP_RETENTION: must be between 1 and 100000, got 0");
    }

    @Test
    void r2AccountBuildsTheCloudflareEndpointAndHidesTheSecret() {
        PicoBaseConfig c = PicoBaseConfig.fromMap(Map.of("R2_ACCOUNT_ID", "abc123", "R2_ACCESS_KEY_ID", "id",
                "R2_SECRET_ACCESS_KEY", "topsecret", "R2_BUCKET_NAME", "picobase-instances"));
        assertThat(c.objectStorage().s3Endpoint()).contains("https://abc123.r2.cloudflarestorage.com");
        assertThat(c.objectStorage().toString()).doesNotContain("topsecret");
        assertThat(c.toString()).doesNotContain("topsecret");
    }

    @Test
    void badValuesNameTheVariable() {
        List<Map<String, String>> bad = List.of(
                Map.of("PICOBASE_GATEWAY_PORT", "http"),
                Map.of("PICOBASE_GATEWAY_PORT", "70000"),
                Map.of("PICOBASE_IDLE_TIMEOUT", "5 minutes"),
                Map.of("PICOBASE_BASE_DOMAIN", "bad_domain!"),
                Map.of("TURSO_DATABASE_URL", "postgres://x"),
                Map.of("R2_ACCESS_KEY_ID", "id"),
                Map.of("PICOBASE_BCRYPT_COST", "4"),
                Map.of("PICOBASE_API_MAX_BODY", "lots"));
        for (Map<String, String> values : bad) {
            String variable = values.keySet().iterator().next();
            assertThatThrownBy(() -> PicoBaseConfig.fromMap(values))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageNotContaining("\n")
                    .satisfies(e -> assertThat(e.getMessage()).contains(variable.startsWith("R2_") ? "R2_" : variable));
        }
    }

    @Test
    void portsMustNotCollide() {
        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_API_PORT", "8080")))
                .hasMessageStartingWith("PICOBASE_API_PORT");
    }

    @Test
    void sizesAndDurationsAcceptUnits() {
        PicoBaseConfig c = PicoBaseConfig.fromMap(Map.of("PICOBASE_API_MAX_BODY", "128k",
                "PICOBASE_IDLE_TIMEOUT", "90s", "PICOBASE_SESSION_TTL", "2h"));
        assertThat(c.apiMaxBodyBytes()).isEqualTo(128 * 1024);
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.auth().sessionTtl()).isEqualTo(Duration.ofHours(2));
    }

    /**
     * A duration with more digits than a long holds used to escape as a raw NumberFormatException
     * (a stack trace at start-up), and a huge number of days as an ArithmeticException; both are
     * now the one line naming the variable that every other bad value gets.
     */
    @Test
    void aDurationTooLargeForALongIsOneLineNamingTheVariable() {
        for (String tooLarge : List.of("99999999999999999999s", "9223372036854775807d", "106751991167301d",
                "3651d", "87601h")) {
            assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_IDLE_TIMEOUT", tooLarge)))
                    .as(tooLarge)
                    .isExactlyInstanceOf(ConfigException.class)
                    .hasMessage("PICOBASE_IDLE_TIMEOUT: must be at most 3650d, got '" + tooLarge + "'");
        }
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_SESSION_TTL", "3650d")).auth().sessionTtl())
                .isEqualTo(Duration.ofDays(3650));
        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_GATEWAY_CONNECT_TIMEOUT", "30d")))
                .hasMessage("PICOBASE_GATEWAY_CONNECT_TIMEOUT: must be at most 1h, got '30d'");
    }

    @Test
    void theOperatorsReservedSubdomainsReplaceTheDefaultList() {
        assertThat(PicoBaseConfig.fromMap(Map.of()).reservedSubdomains())
                .contains("www", "api", "admin", "autodiscover", "autoconfig", "mta-sts", "wpad", "isatap", "webmail",
                        "cpanel")
                .doesNotContain("app", "blog", "dev", "test", "prod");
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_RESERVED_SUBDOMAINS", "WWW, intranet,,")).reservedSubdomains())
                .containsExactlyInAnyOrder("www", "intranet");
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_RESERVED_SUBDOMAINS", ",")).reservedSubdomains()).isEmpty();
        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_RESERVED_SUBDOMAINS", "www,my.app")))
                .hasMessage("PICOBASE_RESERVED_SUBDOMAINS: 'my.app' is not a subdomain label (letters, digits and "
                        + "inner hyphens, at most 63)");
    }

    @Test
    void signUpIsOpenAndThereAreNoOperatorsUnlessSaid() {
        AuthConfig defaults = PicoBaseConfig.fromMap(Map.of()).auth();
        assertThat(defaults.signup()).isEqualTo(AuthConfig.SignupPolicy.OPEN);
        assertThat(defaults.operatorEmails()).isEmpty();
        assertThat(defaults.isOperator("ada@example.com")).isFalse();

        AuthConfig set = PicoBaseConfig.fromMap(Map.of("PICOBASE_SIGNUP", " Invite ",
                "PICOBASE_OPERATOR_EMAILS", "Ada@Example.com, ops@example.org,,")).auth();
        assertThat(set.signup()).isEqualTo(AuthConfig.SignupPolicy.INVITE);
        assertThat(set.operatorEmails()).containsExactlyInAnyOrder("ada@example.com", "ops@example.org");
        assertThat(set.isOperator("ADA@example.COM")).isTrue();
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_SIGNUP", "closed")).auth().signup())
                .isEqualTo(AuthConfig.SignupPolicy.CLOSED);

        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_SIGNUP", "invite-only")))
                .hasMessage("PICOBASE_SIGNUP: expected open, invite or closed, got 'invite-only'");
        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_OPERATOR_EMAILS", "ada@example.com, bob")))
                .hasMessage("PICOBASE_OPERATOR_EMAILS: 'bob' is not an email address");
    }

    @Test
    void unknownPicobaseVariablesAreReportedNotFatal() {
        PicoBaseConfig c = PicoBaseConfig.fromMap(Map.of("PICOBASE_IDLE_TIMOUT", "5m"));
        assertThat(c.warnings()).singleElement().asString().contains("PICOBASE_IDLE_TIMOUT".replace("EOUT", "OUT"));
    }

    @Test
    void malformedDotEnvLineIsReportedWithItsLine() {
        assertThatThrownBy(() -> DotEnv.parse(List.of("A=1", "garbage"), ".env"))
                .hasMessage(".env line 2: expected KEY=value");
    }

    /**
     * Cluster mode needs a node identity and lease timing; before, there were no such settings. A
     * single node must need none of them, so the defaults derive from the host name and port and a
     * host name no node id may contain is made into one rather than refused.
     */
    @Test
    void clusterSettingsDefaultFromTheHostAndGatewayPort() {
        ClusterConfig c = PicoBaseConfig.fromMap(Map.of("PICOBASE_GATEWAY_PORT", "8181"), () -> "Web_1.example.com")
                .cluster();
        assertThat(c.nodeId()).isEqualTo("web-1-8181");
        assertThat(c.nodeAddress()).isEqualTo("Web_1.example.com:8181");
        assertThat(c.secret()).isEmpty();
        assertThat(c.leaseTtl()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.leaseRenewInterval()).isEqualTo(Duration.ofSeconds(5));

        assertThat(PicoBaseConfig.defaultNodeId("x".repeat(100), 65535)).hasSize(63).endsWith("x-65535");
        assertThat(PicoBaseConfig.defaultNodeId(".", 8080)).isEqualTo("node-8080");
        // The local host name is only looked up when a default needs it.
        PicoBaseConfig explicit = PicoBaseConfig.fromMap(Map.of("PICOBASE_NODE_ID", "Node-A",
                "PICOBASE_NODE_ADDRESS", "10.0.0.7:8080", "PICOBASE_LEASE_TTL", "30s"), () -> {
                    throw new AssertionError("looked the host name up");
                });
        assertThat(explicit.cluster().nodeId()).isEqualTo("node-a");
        assertThat(explicit.cluster().nodeAddress()).isEqualTo("10.0.0.7:8080");
        assertThat(explicit.cluster().leaseRenewInterval()).isEqualTo(Duration.ofSeconds(10));
        // The control API: the gateway's host with the API's bound port, unless set.
        assertThat(explicit.cluster().apiAddress(8081)).isEqualTo("10.0.0.7:8081");
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_NODE_ADDRESS", "10.0.0.7:8080",
                "PICOBASE_NODE_API_ADDRESS", "api.node-a.internal:9000")).cluster().apiAddress(8081))
                .isEqualTo("api.node-a.internal:9000");
        assertThat(PicoBaseConfig.fromMap(Map.of()).cluster().nodeId()).matches("[a-z0-9-]{1,63}");
        assertThat(PicoBaseConfig.fromMap(Map.of("PICOBASE_NODE_ADDRESS", "[fd00::1]:9000")).cluster().nodeAddress())
                .isEqualTo("[fd00::1]:9000");
    }

    @Test
    void badClusterSettingsAreOneLineNamingTheVariable() {
        Map<Map<String, String>, String> bad = Map.of(
                Map.of("PICOBASE_NODE_ID", "node_1"), "PICOBASE_NODE_ID: expected 1 to 63 letters, digits or "
                        + "hyphens, got 'node_1'",
                Map.of("PICOBASE_NODE_ID", "n".repeat(64)), "PICOBASE_NODE_ID: expected 1 to 63 letters, digits or "
                        + "hyphens, got '" + "n".repeat(64) + "'",
                Map.of("PICOBASE_NODE_ADDRESS", "10.0.0.7"), "PICOBASE_NODE_ADDRESS: expected host:port at which "
                        + "other nodes reach this gateway, got '10.0.0.7'",
                Map.of("PICOBASE_NODE_ADDRESS", "http://10.0.0.7:8080"), "PICOBASE_NODE_ADDRESS: expected host:port "
                        + "at which other nodes reach this gateway, got 'http://10.0.0.7:8080'",
                Map.of("PICOBASE_NODE_ADDRESS", "node-a:0"), "PICOBASE_NODE_ADDRESS: expected host:port at which "
                        + "other nodes reach this gateway, got 'node-a:0'",
                Map.of("PICOBASE_NODE_API_ADDRESS", "10.0.0.7"), "PICOBASE_NODE_API_ADDRESS: expected host:port at "
                        + "which other nodes reach this control API, got '10.0.0.7'",
                Map.of("PICOBASE_LEASE_TTL", "1s"), "PICOBASE_LEASE_TTL: must be at least 2000ms, got '1s'",
                Map.of("PICOBASE_LEASE_RENEW_INTERVAL", "8s"), "PICOBASE_LEASE_RENEW_INTERVAL: must be less than "
                        + "half of PICOBASE_LEASE_TTL (15000ms), got 8000ms",
                Map.of("PICOBASE_LEASE_TTL", "4s", "PICOBASE_LEASE_RENEW_INTERVAL", "2s"),
                "PICOBASE_LEASE_RENEW_INTERVAL: must be less than half of PICOBASE_LEASE_TTL (4000ms), got 2000ms");
        bad.forEach((values, message) -> assertThatThrownBy(() -> PicoBaseConfig.fromMap(values, () -> "host"))
                .as(values.toString())
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessage(message));
    }

    /** The cluster secret authenticates node-to-node forwarding: a short one is refused, and it is never printed. */
    @Test
    void theClusterSecretIsLongAndNeverPrinted() {
        String tooShort = "s3cr3t-but-only-31-characters!!";
        assertThatThrownBy(() -> PicoBaseConfig.fromMap(Map.of("PICOBASE_CLUSTER_SECRET", tooShort)))
                .isExactlyInstanceOf(ConfigException.class)
                .hasMessageStartingWith("PICOBASE_CLUSTER_SECRET: is too short")
                .hasMessageNotContaining(tooShort);
        String secret = "0123456789abcdef0123456789abcdef";
        PicoBaseConfig c = PicoBaseConfig.fromMap(Map.of("PICOBASE_CLUSTER_SECRET", secret));
        assertThat(c.cluster().secret()).contains(secret);
        assertThat(c.cluster().toString()).doesNotContain(secret).contains("cluster secret set");
        assertThat(c.toString()).doesNotContain(secret);
    }

    @Test
    void theExampleFileListsExactlyTheKnownVariables() throws Exception {
        java.util.Set<String> documented = new java.util.TreeSet<>();
        for (String line : Files.readAllLines(Path.of("picobase.env.example"))) {
            var m = java.util.regex.Pattern.compile("^#?\\s*([A-Z0-9_]+)=").matcher(line);
            if (m.find()) {
                documented.add(m.group(1));
            }
        }
        assertThat(documented).containsExactlyInAnyOrderElementsOf(PicoBaseConfig.KNOWN);
    }
}
