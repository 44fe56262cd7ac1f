package org.voicestudio.engines.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.frontend.SpeechTokenizer;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code speech_tokenizer_v3.onnx} on ONNX Runtime: input 0 = log-mel (1, 128, T) float32,
 * input 1 = length [T] int32 → output 0 int64 tokens, flattened (reference §2.4). Tokens must be
 * codes of the model ({@code [0, speech_token_size)}: 6561 FSQ codes officially, 512 for the demo model).
 */
public final class S3SpeechTokenizer implements SpeechTokenizer {
    public static final String FILE = "speech_tokenizer_v3.onnx";
    private final OrtSession session;
    private final List<String> inputs;
    private final Path model;
    private final int speechTokenSize;

    /** @param speechTokenSize the model's {@code speech_token_size}: every token must lie below it */
    public S3SpeechTokenizer(Path model, int speechTokenSize) throws IOException {
        if (speechTokenSize < 1) throw new IllegalArgumentException("speech_token_size must be positive, got " + speechTokenSize);
        this.model = model;
        this.speechTokenSize = speechTokenSize;
        this.session = OrtSessions.open(model);
        try {
            this.inputs = OrtSessions.inputs(session, 2, model);
        } catch (IOException e) {
            try { session.close(); } catch (OrtException ignored) { /* already failing */ }
            throw e;
        }
    }

    /** The tokenizer of a model folder; its codebook size is {@code llm.speech_token_size} of the folder's {@code cosyvoice3.yaml}. */
    public static S3SpeechTokenizer forModel(Path modelDir) throws IOException {
        return new S3SpeechTokenizer(modelDir.resolve(FILE), ModelConfigReader.speechTokenSize(modelDir));
    }

    @Override
    public int[] tokenize(float[] logMel, int frames) {
        if (frames < 1 || logMel.length != MEL_BINS * frames) {
            throw new IllegalArgumentException("speech tokenizer input must be (" + MEL_BINS + ", T) with T >= 1; got " + logMel.length + " values for T = " + frames);
        }
        if (frames > MAX_FRAMES) {
            throw new IllegalArgumentException("the prompt is " + frames / 100.0 + " s long; the speech tokenizer takes at most 30 s");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor feats = OnnxTensor.createTensor(env, FloatBuffer.wrap(logMel), new long[] {1, MEL_BINS, frames});
             OnnxTensor length = OnnxTensor.createTensor(env, IntBuffer.wrap(new int[] {frames}), new long[] {1});
             OrtSession.Result r = session.run(Map.of(inputs.get(0), feats, inputs.get(1), length))) {
            LongBuffer lb = ((OnnxTensor) r.get(0)).getLongBuffer();
            int[] tokens = new int[lb.remaining()];
            for (int i = 0; i < tokens.length; i++) {
                long t = lb.get();
                if (t < 0 || t >= speechTokenSize) {
                    throw new IllegalStateException(model + ": token " + t + " outside [0, " + speechTokenSize + "), the model's speech_token_size"
                            + " (does this speech tokenizer belong to another model?)");
                }
                tokens[i] = (int) t;
            }
            return tokens;
        } catch (OrtException e) {
            throw new IllegalStateException(model + ": inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(model + ": could not close the session: " + e.getMessage(), e);
        }
    }
}
