package dev.picobase.api;

import dev.picobase.api.cli.Cli;
import dev.picobase.api.cli.ManagementClient;
import dev.picobase.config.ConfigException;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqlBackend;
import dev.picobase.core.store.StoreException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code picobase} process: {@code up} (the default) runs the platform until it is stopped;
 * {@code migrate} brings the metadata schema up to date and exits; {@code status}, {@code instances},
 * {@code logs}, {@code version} and {@code restore-metadata} are the operator commands of {@link Cli}. Configuration errors, and what
 * start-up finds wrong with a setting (a port in use, a bind address that is not this machine's,
 * a missing or read-only bucket, an unreachable endpoint), end the process with one line naming
 * the variable, and exit code 2.
 */
public final class PicoBaseMain {
    private static final Logger LOG = LoggerFactory.getLogger(PicoBaseMain.class);

    private PicoBaseMain() {}

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "up" : args[0];
        if (List.of("status", "instances", "logs", "version", "restore-metadata").contains(command)) {
            Cli.main(args); // the operator commands, also as java -jar picobase.jar status
            return;
        }
        PicoBaseConfig config;
        try {
            config = PicoBaseConfig.load(System.getenv(), Path.of("").toAbsolutePath());
        } catch (ConfigException e) {
            System.err.println("picobase: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        config.warnings().forEach(w -> LOG.warn(w));
        switch (command) {
            case "up" -> up(config);
            case "migrate" -> migrate(config);
            default -> {
                System.err.println("usage: picobase [up|migrate|status|instances|logs <subdomain>|version|restore-metadata]");
                System.exit(2);
            }
        }
    }

    private static MetadataStore openStore(PicoBaseConfig config) {
        try {
            return MetadataStore.open(SqlBackend.of(config.metadata()), Clock.systemUTC());
        } catch (StoreException e) {
            System.err.println("picobase: cannot open the metadata database (" + config.metadata() + "): "
                    + e.getMessage());
            System.exit(1);
            return null;
        }
    }

    private static void migrate(PicoBaseConfig config) {
        try (MetadataStore store = openStore(config)) {
            System.out.println("metadata schema is at version " + store.schemaVersion() + " (" + config.metadata() + ")");
        }
    }

    private static void up(PicoBaseConfig config) throws InterruptedException {
        Platform platform;
        try {
            platform = Platform.start(config, Clock.systemUTC());
        } catch (ConfigException e) {
            System.err.println("picobase: cannot start: " + e.getMessage());
            System.exit(2);
            return;
        } catch (StoreException e) {
            System.err.println("picobase: cannot open the metadata database (" + config.metadata() + "): "
                    + e.getMessage());
            System.exit(1);
            return;
        }
        String ui = "http://localhost:" + platform.apiPort();
        LOG.info("PicoBase {} is up: gateway on http://<subdomain>.{}:{}, control API and admin UI on {}, "
                + "management (metrics, ./picobase status) on {} (metadata: {}, data: {}). Next: open {} and sign up",
                Version.current(), config.baseDomain(), platform.gatewayPort(), ui,
                ManagementClient.baseUrl(config.managementBindAddress(), platform.managementPort()), config.metadata(),
                config.dataDir(), ui);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down: finishing requests in flight, stopping instances");
            platform.close();
            stopped.countDown();
        }, "picobase-shutdown"));
        stopped.await();
    }
}
