package org.voicestudio.inference.config;

import java.io.IOException;

/** A model configuration value is missing, malformed or contradicts another file. The message says which. */
public final class ConfigException extends IOException {
    public ConfigException(String message) {
        super(message);
    }
}
