package org.voicestudio.engines.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Sessions configured like the official frontend: CPU, ORT_ENABLE_ALL, one intra-op thread. */
final class OrtSessions {
    private OrtSessions() {}

    static OrtSession open(Path model) throws IOException {
        if (!Files.isRegularFile(model)) throw new IOException(model + ": ONNX model not found");
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(1);
            return OrtEnvironment.getEnvironment().createSession(model.toString(), options);
        } catch (OrtException e) {
            throw new IOException(model + ": ONNX Runtime could not load it: " + e.getMessage(), e);
        }
    }

    /** Input names in the model's order: the official code binds inputs by position only. */
    static List<String> inputs(OrtSession session, int expected, Path model) throws IOException {
        List<String> names = new ArrayList<>(session.getInputNames());
        if (names.size() != expected) {
            throw new IOException(model + ": expected " + expected + " input(s), the model has " + names.size() + " " + names);
        }
        return names;
    }
}
