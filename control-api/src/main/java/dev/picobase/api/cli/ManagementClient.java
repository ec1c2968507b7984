package dev.picobase.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.picobase.config.PicoBaseConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Asks the running platform on its management port, where {@code ./picobase up} in this directory
 * put it: PICOBASE_MANAGEMENT_BIND_ADDRESS and PICOBASE_MANAGEMENT_PORT, from the environment,
 * {@code .env} and {@code .env.local}, read as the platform reads them ({@link PicoBaseConfig}). A
 * wildcard bind address (all interfaces) is asked on loopback.
 *
 * <p>Threading: one caller at a time (the CLI's main thread); each call blocks for one HTTP exchange.
 */
public final class ManagementClient {
    private static final int CONNECT_TIMEOUT_MILLIS = 3_000;
    private static final int READ_TIMEOUT_MILLIS = 60_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Why the CLI could not get an answer: one line for stderr. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** A JSON answer: its body as sent (for {@code --json}) and parsed. */
    record Answer(String body, JsonNode json) {}

    private final String base;

    ManagementClient(String base) {
        this.base = base;
    }

    static ManagementClient of(PicoBaseConfig config) {
        return new ManagementClient(baseUrl(config.managementBindAddress(), config.managementPort()));
    }

    /** {@code http://127.0.0.1:9464}: where a client on this machine reaches a management port bound to {@code bindAddress}. */
    public static String baseUrl(String bindAddress, int port) {
        String host = switch (bindAddress) {
            case "0.0.0.0", "" -> "127.0.0.1";
            case "::", "[::]", "::0" -> "[::1]";
            default -> bindAddress.contains(":") && !bindAddress.startsWith("[") ? "[" + bindAddress + "]" : bindAddress;
        };
        return "http://" + host + ":" + port;
    }

    String base() {
        return base;
    }

    /** GET {@code path}: its JSON when the platform answers 200; otherwise a {@link Failure} saying why, in one line. */
    Answer get(String path) throws Failure {
        HttpURLConnection c;
        int status;
        String body;
        try {
            c = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
            c.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
            c.setReadTimeout(READ_TIMEOUT_MILLIS);
            c.setRequestProperty("Accept", "application/json");
            status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new Failure("no PicoBase answers on its management port at " + base + " (" + reason(e)
                    + "): is ./picobase up running? PICOBASE_MANAGEMENT_PORT and PICOBASE_MANAGEMENT_BIND_ADDRESS "
                    + "(environment, .env) say where to ask");
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException notJson) {
            json = null;
        }
        if (status == 200 && json != null && json.isObject()) {
            return new Answer(body, json);
        }
        if (json != null && json.hasNonNull("error")) {
            String message = json.path("message").asText(json.path("error").asText());
            throw new Failure(message + " (" + base + path + " answered " + status + ")");
        }
        throw new Failure(base + path + " answered " + status + " without PicoBase's JSON: is that port PicoBase's "
                + "management port, of this version?");
    }

    /** Whether anything answers HTTP at the management address (a platform is running there). */
    boolean answers() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(base + "/health").toURL().openConnection();
            c.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
            c.setReadTimeout(CONNECT_TIMEOUT_MILLIS);
            c.getResponseCode();
            c.disconnect();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String reason(IOException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
