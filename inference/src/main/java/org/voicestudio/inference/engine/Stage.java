package org.voicestudio.inference.engine;

/** The three neural stages of CosyVoice3, each of which a user can put on a different engine. */
public enum Stage {
    LLM("LLM"), FLOW("Flow"), VOCODER("Vocoder");

    private final String label;

    Stage(String label) { this.label = label; }

    public String label() { return label; }
}
