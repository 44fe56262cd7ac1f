package org.voicestudio.engines.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.voicestudio.inference.frontend.SpeakerEncoder;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/** {@code campplus.onnx} on ONNX Runtime: input 0 (1, T, 80) float32 → output 0 (1, 192). */
public final class CampPlusEncoder implements SpeakerEncoder {
    public static final String FILE = "campplus.onnx";

    private final OrtSession session;
    private final String input;
    private final Path model;

    public CampPlusEncoder(Path model) throws IOException {
        this.model = model;
        this.session = OrtSessions.open(model);
        try {
            this.input = OrtSessions.inputs(session, 1, model).getFirst();
        } catch (IOException e) {
            closeSession();
            throw e;
        }
    }

    /** The encoder of a CosyVoice model directory. */
    public static CampPlusEncoder forModel(Path modelDir) throws IOException { return new CampPlusEncoder(modelDir.resolve(FILE)); }

    @Override
    public float[] embed(float[] fbank, int frames) {
        if (frames < 1 || fbank.length != frames * FBANK_BINS) {
            throw new IllegalArgumentException("speaker encoder input must be (T, " + FBANK_BINS + ") with T >= 1; got " + fbank.length + " values for T = " + frames);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(fbank), new long[] {1, frames, FBANK_BINS});
             OrtSession.Result r = session.run(Map.of(input, x))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            FloatBuffer fb = out.getFloatBuffer();
            if (fb.remaining() != EMBEDDING_DIM) {
                throw new IllegalStateException(model + ": output has " + fb.remaining() + " values, expected " + EMBEDDING_DIM);
            }
            float[] e = new float[EMBEDDING_DIM];
            fb.get(e);
            return e;
        } catch (OrtException e) {
            throw new IllegalStateException(model + ": inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() { closeSession(); }

    private void closeSession() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(model + ": could not close the session: " + e.getMessage(), e);
        }
    }
}
