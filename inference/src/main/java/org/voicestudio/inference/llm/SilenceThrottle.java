package org.voicestudio.inference.llm;

import java.util.Arrays;

/**
 * CosyVoice3's silence throttle ({@code CosyVoice3Model.llm_job}, reference §3.4): of a run of
 * consecutive silent/breath tokens only the first {@value #MAX_SILENT_TOKENS} are passed to the flow
 * stage; later ones in the run are dropped there but were still fed back to the LM. Any other token
 * ends the run. One instance per utterance.
 */
public final class SilenceThrottle {

    /** {@code silent_tokens} of CosyVoice3Model: FSQ codes of silence and breath. */
    private static final int[] COSYVOICE3_SILENT_TOKENS = {1, 2, 28, 29, 55, 248, 494, 2241, 2242, 2322, 2323};
    /** {@code max_silent_token_num}. */
    public static final int MAX_SILENT_TOKENS = 5;

    private final int[] silentTokens;
    private final int maxRun;
    private int run;

    public SilenceThrottle(int[] silentTokens, int maxRun) {
        this.silentTokens = silentTokens.clone();
        Arrays.sort(this.silentTokens);
        this.maxRun = maxRun;
    }

    /**
     * The official throttle for a model with {@code speechTokenSize} speech codes: the official
     * silent ids that are codes of this model (all of them for the 6561 FSQ codes; the trained demo
     * model with 512 codes puts its silence at the seven ids below 512, by contract, and never
     * produces the others).
     */
    public static SilenceThrottle cosyVoice3(int speechTokenSize) {
        if (speechTokenSize < 1) throw new IllegalArgumentException("speech_token_size must be positive, got " + speechTokenSize);
        return new SilenceThrottle(java.util.Arrays.stream(COSYVOICE3_SILENT_TOKENS).filter(t -> t < speechTokenSize).toArray(), MAX_SILENT_TOKENS);
    }

    public boolean isSilent(int token) {
        return Arrays.binarySearch(silentTokens, token) >= 0;
    }

    /** Whether {@code token}, the next LM output, goes on to the flow stage. */
    public boolean forward(int token) {
        if (!isSilent(token)) {
            run = 0;
            return true;
        }
        run++;
        return run <= maxRun;
    }
}
