package org.voicestudio.inference.config;

/**
 * Every hyperparameter the pipeline needs, read from a model folder's {@code cosyvoice3.yaml}
 * and {@code CosyVoice-BlankEN/config.json}. Names follow the yaml.
 */
public record ModelConfig(
        int sampleRate,          // sample_rate: 24000
        int tokenFrameRate,      // token_frame_rate: 25
        int tokenMelRatio,       // token_mel_ratio: 2
        int chunkSize,           // chunk_size: 25 tokens (streaming hop, = DiT static_chunk_size / token_mel_ratio)
        LlmConfig llm,
        FlowConfig flow,
        HiftConfig hift,
        MelConfig featExtractor) {

    /** CosyVoice3LM + its Qwen2 backbone (HF config.json). */
    public record LlmConfig(
            int hiddenSize, int numLayers, int numHeads, int numKvHeads, int headDim, int intermediateSize,
            double rmsNormEps, double ropeTheta, int textVocabSize,
            int speechTokenSize,   // 6561 FSQ codes; speech vocab = speechTokenSize + 200
            SamplingConfig sampling, int[] mixRatio) {
        public int speechVocabSize() { return speechTokenSize + 200; }
        public int sosId() { return speechTokenSize; }          // 6561
        public int eosId() { return speechTokenSize + 1; }      // 6562
        public int taskId() { return speechTokenSize + 2; }     // 6563
        public int fillId() { return speechTokenSize + 3; }     // 6564
    }

    /** ras_sampling parameters. */
    public record SamplingConfig(double topP, int topK, int winSize, double tauR) {}

    /** CausalMaskedDiffWithDiT: pre-lookahead + DiT estimator + CFM solver. */
    public record FlowConfig(
            int inputSize, int outputSize, int spkEmbedDim, int vocabSize, int preLookaheadLen,
            int preLookaheadChannels, int tokenMelRatio,
            int ditDim, int ditDepth, int ditHeads, int ditDimHead, int ditFfMult, int staticChunkSize,
            double sigmaMin, double inferenceCfgRate, int nTimesteps, String tScheduler) {
        public int ditInnerDim() { return ditHeads * ditDimHead; }
    }

    /** CausalHiFTGenerator + CausalConvRNNF0Predictor. */
    public record HiftConfig(
            int inChannels, int baseChannels, int nbHarmonics, int samplingRate,
            double nsfAlpha, double nsfSigma, double nsfVoicedThreshold,
            int[] upsampleRates, int[] upsampleKernelSizes, int istftNFft, int istftHopLen,
            int[] resblockKernelSizes, int[][] resblockDilationSizes,
            int[] sourceResblockKernelSizes, int[][] sourceResblockDilationSizes,
            double lreluSlope, double audioLimit, int convPreLookRight, int f0CondChannels) {
        /** Samples per mel frame: prod(upsample_rates) * hop = 480. */
        public int samplesPerFrame() {
            int r = istftHopLen;
            for (int u : upsampleRates) r *= u;
            return r;
        }
    }

    /** matcha mel_spectrogram parameters (feat_extractor); fmax null means Nyquist. */
    public record MelConfig(int nFft, int numMels, int samplingRate, int hopSize, int winSize, double fmin, Double fmax, boolean center) {}
}
