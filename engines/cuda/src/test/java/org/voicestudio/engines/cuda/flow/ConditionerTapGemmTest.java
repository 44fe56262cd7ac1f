package org.voicestudio.engines.cuda.flow;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowLayout;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.flow.host.HostWeights;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.Arrays;

/**
 * CPU: the GPU conditioning's decomposition (one {@code y = x W^T} GEMM per conv tap over row-shifted views of the
 * time-major activations, weights from {@link CudaFlowConditioner#tapMajor}) replayed on the host with the same
 * shapes and offsets as {@code CudaFlowConditioner.writeMu} issues them, against the official mu.
 */
class ConditionerTapGemmTest {
    /** As HostFlowConditionerTest: float32 convs summed in another order than PyTorch's CPU kernels. */
    private static final double MU_TOL = 1e-5;

    @Test
    void perTapGemmsReproduceOfficialMu() throws IOException {
        FlowConfig c = FlowFixtures.tinyFlow();
        try (StateDict flow = PtReader.readStateDict(Golden.tinyModel().resolve("flow.pt"))) {
            HostWeights w = new HostWeights.Checkpoint(flow);
            FlowFixtures.assertClose("flow_ns_mu via per-tap GEMMs", Golden.tensor("flow_ns_mu").toFloats(),
                    mu(c, w, FlowFixtures.request(50, false, true)), MU_TOL);
            float[] st1 = Golden.tensor("flow_st1_est_mu").toFloats();
            FlowFixtures.assertClose("flow_st1_est_mu[0] via per-tap GEMMs", Arrays.copyOf(st1, st1.length / 2),
                    mu(c, w, FlowFixtures.request(41, true, false)), MU_TOL);
        }
    }

    /** writeMu's sequence on host arrays; offsets in floats where the GPU code has bytes. */
    private static float[] mu(FlowConfig c, HostWeights w, FlowRequest request) {
        int mel = c.inputSize(), channels = c.preLookaheadChannels(), k1 = c.preLookaheadLen() + 1, ratio = c.tokenMelRatio();
        float[] table = w.get("input_embedding.weight", c.vocabSize(), mel);
        float[] conv1 = CudaFlowConditioner.tapMajor(w.get("pre_lookahead_layer.conv1.weight", channels, mel, k1), channels, mel, k1);
        float[] conv1Bias = w.get("pre_lookahead_layer.conv1.bias", channels);
        float[] conv2 = CudaFlowConditioner.tapMajor(w.get("pre_lookahead_layer.conv2.weight", mel, channels, 3), mel, channels, 3);
        float[] conv2Bias = w.get("pre_lookahead_layer.conv2.bias", mel);
        FlowLayout layout = FlowLayout.of(request, c);
        int[] ids = FlowLayout.clampedIds(request.promptTokens(), request.tokens());
        int encoded = layout.encodedTokens(), rows = encoded + k1 - 1, frames = layout.frames();
        float[] x = new float[rows * mel];                               // embed_rows
        for (int t = 0; t < rows; t++) {
            for (int ch = 0; ch < mel; ch++) x[t * mel + ch] = t < ids.length ? table[ids[t] * mel + ch] : 0f;
        }
        float[] y1 = new float[(2 + rows) * channels];
        int y1Rows = 2 * channels;
        for (int j = 0; j < k1; j++) gemm(channels, encoded, mel, conv1, j * channels * mel, x, j * mel, y1, y1Rows, j > 0);
        for (int t = 0; t < encoded; t++) {                              // bias_leaky_relu
            for (int o = 0; o < channels; o++) {
                float v = y1[y1Rows + t * channels + o] + conv1Bias[o];
                y1[y1Rows + t * channels + o] = v < 0 ? v * 0.01f : v;
            }
        }
        float[] conv = new float[rows * mel];
        for (int j = 0; j < 3; j++) gemm(mel, encoded, channels, conv2, j * mel * channels, y1, j * channels, conv, 0, j > 0);
        float[] mu = new float[mel * frames];                            // lookahead_residual_mu
        for (int t = 0; t < encoded; t++) {
            for (int ch = 0; ch < mel; ch++) {
                float v = (conv[t * mel + ch] + conv2Bias[ch]) + x[t * mel + ch];
                for (int r = 0; r < ratio; r++) mu[ch * frames + t * ratio + r] = v;
            }
        }
        return mu;
    }

    /** Gemm's contract: y[r, o] (+)= sum_i W[o, i] x[r, i], W [n, k] at wOff, x rows of k at xOff, y rows of n at yOff. */
    private static void gemm(int n, int rows, int k, float[] w, int wOff, float[] x, int xOff, float[] y, int yOff, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < n; o++) {
                float acc = 0;
                for (int i = 0; i < k; i++) acc += w[wOff + o * k + i] * x[xOff + r * k + i];
                y[yOff + r * n + o] = accumulate ? y[yOff + r * n + o] + acc : acc;
            }
        }
    }
}
