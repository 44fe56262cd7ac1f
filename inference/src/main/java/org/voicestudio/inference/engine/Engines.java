package org.voicestudio.inference.engine;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The engines on the class path. */
public final class Engines {
    private Engines() {}

    public static List<Engine> all() {
        return ServiceLoader.load(Engine.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    public static Optional<Engine> byId(String id) {
        return all().stream().filter(e -> e.id().equals(id)).findFirst();
    }

    public static Engine require(String id) {
        return byId(id).orElseThrow(() -> new IllegalArgumentException("unknown engine '" + id + "'; known: "
                + all().stream().map(Engine::id).toList()));
    }
}
