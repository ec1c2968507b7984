package dev.picobase.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code java -jar bench/target/picobase-bench.jar <benchmark> [--option=value ...]}, run from the
 * repository root (by {@code ./picobase bench}). Each benchmark prints its table and writes
 * {@code <results>/<name>.json} and {@code .md}; {@code --results=DIR} (default {@code bench/results})
 * lets a smoke run write elsewhere.
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        // Read once, when java.net.http first runs (the libSQL driver may be first): before anything else.
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
        if (args.length == 0) {
            System.err.println("usage: picobase-bench <cold-start|cold-start-far|cluster-warm-path|herd|many-tenants|static-gateway|jmh> "
                    + "[--option=value ...]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (args[0].equals("jmh")) { // JMH reads its own options (-f 1 -i 3 ...), not --name=value
            org.openjdk.jmh.Main.main(rest);
            return;
        }
        Options options = Options.parse(rest);
        switch (args[0]) {
            case "cold-start" -> ColdStartBench.run(options);
            case "cold-start-far" -> ColdStartFarBench.run(options);
            case "cluster-warm-path" -> ClusterWarmPathBench.run(options);
            case "herd" -> HerdBench.run(options);
            case "many-tenants" -> ManyTenantsBench.run(options);
            case "static-gateway" -> StaticGateway.run(options);
            default -> {
                System.err.println("unknown benchmark: " + args[0]);
                System.exit(2);
            }
        }
    }

    /** {@code --name=value} options with typed defaults. */
    public record Options(Map<String, String> values) {
        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (String arg : args) {
                if (!arg.startsWith("--") || !arg.contains("=")) {
                    throw new IllegalArgumentException("options look like --name=value, not " + arg);
                }
                values.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            }
            return new Options(values);
        }

        public int integer(String name, int fallback) {
            return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
        }

        public String text(String name, String fallback) {
            return values.getOrDefault(name, fallback);
        }

        public Path results() {
            return Path.of(text("results", "bench/results"));
        }
    }
}
