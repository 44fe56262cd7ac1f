package org.voicestudio.engines.djl.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.voicestudio.engines.djl.DjlWeights;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowAttentionMask;
import org.voicestudio.inference.flow.FlowEstimator;

import java.util.ArrayList;
import java.util.List;

/**
 * The CosyVoice3 DiT ({@code cosyvoice/flow/DiT/dit.py}, reference §4.3) on DJL, fp32: time embedding, input
 * embedding, RoPE, {@code depth} DiT blocks, final adaptive norm and {@code proj_out}. Its weights belong to
 * the manager of the {@link DjlWeights} it was built from (the owning {@link DjlFlowModel} closes them);
 * each call works in a sub-manager freed before it returns, so calls may run concurrently.
 */
public final class DjlDitEstimator implements FlowEstimator {
    private final FlowConfig config;
    private final NDManager manager;
    private final TimestepEmbedding timeEmbed;
    private final InputEmbedding inputEmbed;
    private final RotaryEmbedding rotaryEmbed;
    private final List<DitBlock> transformerBlocks = new ArrayList<>();
    private final AdaLayerNormZeroFinal normOut;
    private final NDArray projOutWeight, projOutBias;   // [mel, dim]

    public DjlDitEstimator(DjlWeights w, FlowConfig c) {
        config = c;
        manager = w.manager();
        timeEmbed = new TimestepEmbedding(w, c);
        inputEmbed = new InputEmbedding(w, c);
        rotaryEmbed = new RotaryEmbedding(w, c);
        for (int i = 0; i < c.ditDepth(); i++) transformerBlocks.add(new DitBlock(w, i, c));
        normOut = new AdaLayerNormZeroFinal(w, c);
        projOutWeight = Nn.param(w, "decoder.estimator.proj_out.weight", c.outputSize(), c.ditDim());
        projOutBias = Nn.param(w, "decoder.estimator.proj_out.bias", c.outputSize());
    }

    @Override
    public float[] velocity(Input in) {
        if (in.melChannels() != config.outputSize()) {
            throw new IllegalArgumentException("estimator input has " + in.melChannels() + " mel channels, the DiT expects " + config.outputSize());
        }
        int b = Input.BATCH, mel = in.melChannels(), frames = in.frames();
        try (NDManager call = manager.newSubManager()) {
            NDArray x = call.create(in.x(), new Shape(b, mel, frames)).transpose(0, 2, 1);        // [2, T, 80]
            NDArray mu = call.create(in.mu(), new Shape(b, mel, frames)).transpose(0, 2, 1);      // [2, T, 80]
            NDArray cond = call.create(in.cond(), new Shape(b, mel, frames)).transpose(0, 2, 1);  // [2, T, 80]
            NDArray spks = call.create(in.spks(), new Shape(b, mel));                              // [2, 80]
            NDArray t = call.create(in.t(), new Shape(b));                                         // [2]

            // Full attention over all-valid frames needs no mask at all (and no T x T buffer).
            NDArray attnBias = null, keepRows = null;
            if (!FlowAttentionMask.isFull(in.mask(), in.streaming())) {
                boolean[] allowed = FlowAttentionMask.build(in.mask(), b, frames, in.streaming(), config.staticChunkSize());
                float[] bias = new float[allowed.length];
                for (int i = 0; i < allowed.length; i++) bias[i] = allowed[i] ? 0f : Float.NEGATIVE_INFINITY;
                attnBias = call.create(bias, new Shape(b, 1, frames, frames));                                                 // [2, 1, T, T]
                keepRows = call.create(FlowAttentionMask.outputRows(allowed, b, frames), new Shape(b, frames, 1));            // [2, T, 1]
            }

            NDArray temb = timeEmbed.forward(t);                                                   // [2, dim]
            NDArray h = inputEmbed.forward(x, cond, mu, spks);                                     // [2, T, dim]
            RotaryEmbedding.Frequencies freqs = rotaryEmbed.frequencies(call, frames);            // [T, dim_head]
            for (DitBlock block : transformerBlocks) {
                // free each block's intermediates (the [2, H, T, T] scores among them) before the next block
                try (NDScope scope = new NDScope()) {
                    NDArray next = block.forward(h, temb, attnBias, keepRows, rotaryEmbed, freqs);     // [2, T, dim]
                    NDScope.unregister(next);
                    h = next;
                }
            }
            h = normOut.forward(h, temb);                                                          // [2, T, dim]
            NDArray out = Nn.linear(h, projOutWeight, projOutBias).transpose(0, 2, 1);            // [2, 80, T]
            return out.toFloatArray();
        }
    }
}
