package org.voicestudio.engines.tensorrt;

import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowConditioning;
import org.voicestudio.inference.flow.FlowLayout;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.tensor.StateDict;

/**
 * Everything the flow does before the solver (reference §4.1, §4.3), in plain Java on the CPU: speaker
 * projection, token embedding, the pre-lookahead layer and {@code repeat_interleave}. It is a few MFLOPs per
 * call (a 4-tap and a 3-tap convolution over the tokens), not worth a TensorRT engine; fp32 like the reference.
 */
final class FlowConditioner {
    private static final double NORMALIZE_EPS = 1e-12;   // F.normalize default
    private static final float LEAKY_SLOPE = 0.01f;      // F.leaky_relu default
    private static final int CONV2_KERNEL = 3;

    private final FlowConfig c;
    private final float[] embedding;         // [vocab, in]
    private final float[] spkW, spkB;        // [mel, spk], [mel]
    private final float[] conv1W, conv1B;    // [ch, in, look + 1], [ch]
    private final float[] conv2W, conv2B;    // [in, ch, 3], [in]

    FlowConditioner(StateDict w, FlowConfig c) {
        this.c = c;
        int in = c.inputSize(), ch = c.preLookaheadChannels(), mel = c.outputSize();
        embedding = w.get("input_embedding.weight", c.vocabSize(), in).toFloats();
        spkW = w.get("spk_embed_affine_layer.weight", mel, c.spkEmbedDim()).toFloats();
        spkB = w.get("spk_embed_affine_layer.bias", mel).toFloats();
        conv1W = w.get("pre_lookahead_layer.conv1.weight", ch, in, c.preLookaheadLen() + 1).toFloats();
        conv1B = w.get("pre_lookahead_layer.conv1.bias", ch).toFloats();
        conv2W = w.get("pre_lookahead_layer.conv2.weight", in, ch, CONV2_KERNEL).toFloats();
        conv2B = w.get("pre_lookahead_layer.conv2.bias", in).toFloats();
    }

    FlowConditioning condition(FlowRequest request) {
        FlowLayout layout = FlowLayout.of(request, c);
        if (request.embedding().length != c.spkEmbedDim()) {
            throw new IllegalArgumentException("speaker embedding has " + request.embedding().length + " values, expected " + c.spkEmbedDim());
        }
        int in = c.inputSize(), mel = c.outputSize(), ch = c.preLookaheadChannels(), look = c.preLookaheadLen();

        // spks = Linear(normalize(xvec))                                                            [mel]
        double norm = 0;
        for (float v : request.embedding()) norm += (double) v * v;
        float inv = (float) (1 / Math.max(Math.sqrt(norm), NORMALIZE_EPS));
        float[] spks = new float[mel];
        for (int o = 0; o < mel; o++) {
            float s = spkB[o];
            for (int i = 0; i < c.spkEmbedDim(); i++) s += spkW[o * c.spkEmbedDim() + i] * (request.embedding()[i] * inv);
            spks[o] = s;
        }

        // token embeddings                                                                          [P+N, in]
        int[] ids = FlowLayout.clampedIds(request.promptTokens(), request.tokens());
        float[] emb = new float[ids.length * in];
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] >= c.vocabSize()) throw new IllegalArgumentException("speech token " + ids[t] + " at " + t + " is outside the vocabulary of " + c.vocabSize());
            System.arraycopy(embedding, ids[t] * in, emb, t * in, in);
        }

        // pre-lookahead: conv1 over [x, 3 tokens of context or zeros], leaky ReLU, causal conv2, residual   [L, in]
        int len = layout.encodedTokens();
        float[] hidden = new float[len * ch];
        for (int t = 0; t < len; t++) {
            for (int o = 0; o < ch; o++) {
                float s = conv1B[o];
                for (int k = 0; k <= look; k++) {
                    int src = t + k;
                    if (src >= ids.length) continue;   // zero right padding (finalize)
                    for (int i = 0; i < in; i++) s += conv1W[(o * in + i) * (look + 1) + k] * emb[src * in + i];
                }
                hidden[t * ch + o] = s >= 0 ? s : s * LEAKY_SLOPE;
            }
        }
        float[] h = new float[len * in];
        for (int t = 0; t < len; t++) {
            for (int o = 0; o < in; o++) {
                float s = conv2B[o];
                for (int k = 0; k < CONV2_KERNEL; k++) {
                    int src = t + k - (CONV2_KERNEL - 1);
                    if (src < 0) continue;   // causal left padding
                    for (int i = 0; i < ch; i++) s += conv2W[(o * ch + i) * CONV2_KERNEL + k] * hidden[src * ch + i];
                }
                h[t * in + o] = s + emb[t * in + o];
            }
        }

        // mu = h.repeat_interleave(ratio) transposed                                                 [mel, T]
        int frames = layout.frames(), ratio = layout.tokenMelRatio();
        float[] mu = new float[mel * frames];
        for (int f = 0; f < frames; f++) {
            for (int m = 0; m < mel; m++) mu[m * frames + f] = h[(f / ratio) * in + m];
        }
        float[] tokenEmb = java.util.Arrays.copyOf(emb, emb.length);
        return new FlowConditioning(layout, spks, tokenEmb, h, mu, FlowConditioning.promptCondition(request.promptFeat(), frames),
                FlowConditioning.fullMask(frames));
    }
}
