package org.voicestudio.engines.cuda;

import org.voicestudio.engines.cuda.flow.CudaFlowModel;
import org.voicestudio.engines.cuda.llm.CudaSpeechLanguageModel;
import org.voicestudio.engines.cuda.llm.CudaTokenSource;
import org.voicestudio.engines.cuda.llm.LlmPrecision;
import org.voicestudio.engines.cuda.vocoder.CudaVocoder;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.flow.FlowNoise;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.pipeline.SpeechTokenSource;
import org.voicestudio.inference.vocoder.Vocoder;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * The fast GPU path: our own NVRTC-compiled kernels, cuBLAS and CUDA graphs through JavaCPP.
 * Runs all three stages. The flow ({@code flow.CudaFlowModel}) runs its DiT estimator on the GPU
 * and the once-per-request conditioning (speaker affine, token embedding, pre-lookahead layer) on the
 * host, with the engine-independent Euler/CFG solver; the vocoder ({@code vocoder.CudaVocoder}) runs the
 * HiFT decoder on the GPU in fp32 and the F0 predictor on the host in float64.
 *
 * <p>System properties: {@code voicestudio.cuda.precision} ({@code fp32}, default, or {@code bf16}: today's
 * decode kernels are latency-bound rather than bandwidth-bound, so bf16 gains only ~9 % on an H200
 * while fp32 matches the reference to 2e-6; see docs/benchmarks.md),
 * {@code voicestudio.cuda.flowPrecision} (the DiT's GEMMs: {@code fp32}, default, the parity path, or
 * {@code bf16}, about twice as fast; see docs/benchmarks.md),
 * {@code voicestudio.cuda.maxPositions} (KV cache length per session, default 4096),
 * {@code voicestudio.cuda.graphs} ({@code true}, default: replay the decode step as a CUDA graph),
 * {@code voicestudio.cuda.overlap} ({@code true}, default: programmatic dependent launch of the decode
 * kernels on sm_90+).
 */
public final class CudaEngine implements Engine {
    private Availability availability;

    @Override public String id() { return "cuda"; }

    @Override public String displayName() { return "CUDA"; }

    @Override public Set<Stage> stages() { return EnumSet.of(Stage.LLM, Stage.FLOW, Stage.VOCODER); }

    @Override
    public synchronized Availability availability() {
        if (availability == null) availability = CudaProbe.probe();
        return availability;
    }

    @Override
    public SpeechLanguageModel loadLlm(ModelFolder model) {
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("CUDA engine unavailable: " + a.reason());
        LlmPrecision precision = LlmPrecision.parse(System.getProperty("voicestudio.cuda.precision", "fp32"));
        int maxPositions = Integer.getInteger("voicestudio.cuda.maxPositions", 4096);
        boolean graphs = Boolean.parseBoolean(System.getProperty("voicestudio.cuda.graphs", "true"));
        CudaContext ctx = CudaContext.open(0);
        try {
            return CudaSpeechLanguageModel.load(ctx, true, model.config().llm(), model.llmWeights(), precision, maxPositions, graphs);
        } catch (RuntimeException | Error e) {
            ctx.close();
            throw e;
        }
    }

    /**
     * The LLM stage as the pipeline runs it: sampling, stop test and the next step's embedding on the GPU, the host
     * reading back a few accepted ids per graph replay ({@code -Dvoicestudio.cuda.gpuSampling=false}: the host loop).
     */
    @Override
    public SpeechTokenSource loadTokenSource(ModelFolder model) throws IOException {
        if (!CudaSpeechLanguageModel.gpuSamplingEnabled()) return Engine.super.loadTokenSource(model);
        return new CudaTokenSource((CudaSpeechLanguageModel) loadLlm(model), model.config(),
                CudaSpeechLanguageModel.gpuSamplingBatch(), true);
    }

    /** The flow with the model folder's exported noise if it has one, else the seeded noise ({@link FlowNoise#forModel}). */
    @Override
    public FlowModel loadFlow(ModelFolder model) {
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("CUDA engine unavailable: " + a.reason());
        var config = model.config().flow();
        Gemm.Operands precision = flowPrecision(System.getProperty("voicestudio.cuda.flowPrecision", "fp32"));
        FlowNoise noise = FlowNoise.forModel(model, config.outputSize());
        CudaContext ctx = CudaContext.open(0);
        try {
            return CudaFlowModel.load(ctx, true, config, model.flowWeights(), noise, precision);
        } catch (RuntimeException | Error e) {
            ctx.close();
            throw e;
        }
    }

    /** The vocoder with the model folder's exported noise if it has one, else the seeded noise. */
    @Override
    public Vocoder loadVocoder(ModelFolder model) {
        Availability a = availability();
        if (!a.available()) throw new IllegalStateException("CUDA engine unavailable: " + a.reason());
        CudaContext ctx = CudaContext.open(0);
        try {
            return CudaVocoder.load(ctx, true, model);
        } catch (RuntimeException | Error e) {
            ctx.close();
            throw e;
        }
    }

    static Gemm.Operands flowPrecision(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "fp32", "float32", "f32" -> Gemm.Operands.FP32;
            case "bf16", "bfloat16" -> Gemm.Operands.BF16;
            default -> throw new IllegalArgumentException("unknown voicestudio.cuda.flowPrecision '" + s + "'; expected fp32 or bf16");
        };
    }
}
