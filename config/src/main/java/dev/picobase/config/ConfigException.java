package dev.picobase.config;

/**
 * A configuration value that cannot be used. The message is one line that names the variable and
 * says what is wrong with it, so the launcher can print it as it is and exit.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String variable, String problem) {
        super(variable + ": " + problem);
    }
}
