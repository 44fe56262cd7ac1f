package org.voicestudio.inference.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The chunk schedule of the official {@code CosyVoice2Model.tts(stream=True)} loop (reference
 * §6.1), which CosyVoice3 shares, as a pure function of (state, tokens available, LLM finished).
 * The loop that waits for tokens lives in {@link SpeechPipeline}; here is only the decision, so the
 * trace can be tested without threads.
 *
 * <p>Rules: the first hop is {@code token_hop_len + prompt_token_pad} with
 * {@code prompt_token_pad = ceil(P / token_hop_len) * token_hop_len - P}, so every chunk boundary
 * lands on a 25-token (50-frame) boundary of the prompt + target sequence, where the flow's
 * block-causal attention mask has its boundaries. A chunk runs once {@code hop + pre_lookahead_len}
 * tokens beyond the offset are available; it passes {@code tokens[0 : offset + hop + lookahead]}
 * with streaming attention and {@code finalize = false}, then {@code offset += hop} and
 * {@code hop = min(token_max_hop_len, hop * stream_scale_factor)} (25, 50, 100, 100, ...). When
 * the LLM has finished and no further chunk fits, one final call on all tokens runs with
 * {@code finalize = true} and full attention ({@code stream} left at its default False upstream).
 *
 * <p>Deliberate difference: the official code keeps the hop in an instance attribute
 * ({@code self.token_hop_len}) that the loop doubles and never resets, so every streaming request
 * after the first starts at hop 100 (and concurrent requests race on it). Here the hop is part of
 * the per-request {@link State}; every request starts at {@code token_hop_len}, as the first
 * official request does.
 *
 * @param tokenHopLen       {@code token_hop_len}: 25 (the yaml's {@code chunk_size}; must equal the
 *                          flow's {@code static_chunk_size / token_mel_ratio})
 * @param tokenMaxHopLen    {@code token_max_hop_len}: 100
 * @param streamScaleFactor {@code stream_scale_factor}: 2
 * @param preLookaheadLen   {@code flow.pre_lookahead_len}: 3 right-context tokens per non-final call
 * @param promptTokenPad    {@code prompt_token_pad} for this request's prompt
 */
public record StreamSchedule(int tokenHopLen, int tokenMaxHopLen, int streamScaleFactor, int preLookaheadLen, int promptTokenPad) {

    /** {@code CosyVoice2Model.token_max_hop_len}. */
    public static final int TOKEN_MAX_HOP_LEN = 100;
    /** {@code CosyVoice2Model.stream_scale_factor}. */
    public static final int STREAM_SCALE_FACTOR = 2;

    public StreamSchedule {
        if (tokenHopLen <= 0 || tokenMaxHopLen < tokenHopLen || streamScaleFactor < 1 || preLookaheadLen < 0 || promptTokenPad < 0) {
            throw new IllegalArgumentException("bad stream schedule: hop " + tokenHopLen + ", max hop " + tokenMaxHopLen
                    + ", scale " + streamScaleFactor + ", lookahead " + preLookaheadLen + ", pad " + promptTokenPad);
        }
    }

    /** The schedule of a request whose voice has {@code promptTokens} prompt speech tokens. */
    public static StreamSchedule forPrompt(int promptTokens, int tokenHopLen, int preLookaheadLen) {
        if (promptTokens < 0) throw new IllegalArgumentException("negative prompt token count " + promptTokens);
        return new StreamSchedule(tokenHopLen, TOKEN_MAX_HOP_LEN, STREAM_SCALE_FACTOR, preLookaheadLen, promptTokenPad(promptTokens, tokenHopLen));
    }

    /** {@code ceil(P / hop) * hop - P}: tokens that bring prompt + first chunk to a chunk boundary. */
    public static int promptTokenPad(int promptTokens, int tokenHopLen) {
        int chunks = (promptTokens + tokenHopLen - 1) / tokenHopLen;
        return chunks * tokenHopLen - promptTokens;
    }

    /**
     * Where a request stands: tokens already turned into audio and the current base hop (without
     * the prompt pad, which only the first chunk adds).
     */
    public record State(int tokenOffset, int hop) {}

    public State initial() { return new State(0, tokenHopLen); }

    /** Hop of the next chunk: the base hop plus, for the first chunk only, the prompt pad. */
    public int hopAt(State s) { return s.tokenOffset() == 0 ? s.hop() + promptTokenPad : s.hop(); }

    /** Tokens that must be available before the next streaming chunk can run. */
    public int tokensNeeded(State s) { return s.tokenOffset() + hopAt(s) + preLookaheadLen; }

    /** What the loop does next. */
    public sealed interface Decision permits Wait, Run {}

    /** Not enough tokens yet and the LLM is still running. */
    public record Wait(int tokensNeeded) implements Decision {}

    /** Issue {@code call}; afterwards the request is in state {@code next} (unused after a final call). */
    public record Run(Token2WavCall call, State next) implements Decision {}

    /**
     * @param available tokens the LLM has produced so far (after silent-token throttling)
     * @param llmDone   the LLM has finished: no more tokens will come
     */
    public Decision next(State s, int available, boolean llmDone) {
        if (available < s.tokenOffset()) {
            throw new IllegalArgumentException(available + " tokens available but offset is already " + s.tokenOffset());
        }
        int hop = hopAt(s);
        if (available - s.tokenOffset() >= hop + preLookaheadLen) {
            Token2WavCall call = new Token2WavCall(s.tokenOffset() + hop + preLookaheadLen, s.tokenOffset(), true, false);
            return new Run(call, new State(s.tokenOffset() + hop, Math.min(tokenMaxHopLen, s.hop() * streamScaleFactor)));
        }
        if (llmDone) return new Run(new Token2WavCall(available, s.tokenOffset(), false, true), s);
        return new Wait(tokensNeeded(s));
    }

    /** The single call of non-streaming synthesis: all tokens, full attention, finalize. */
    public static Token2WavCall nonStreaming(int tokens) { return new Token2WavCall(tokens, 0, false, true); }

    /**
     * Every call for an utterance of {@code totalTokens} tokens (the trace does not depend on when
     * tokens arrive, only on how many there are in the end).
     */
    public List<Token2WavCall> plan(int totalTokens) {
        List<Token2WavCall> calls = new ArrayList<>();
        State s = initial();
        while (true) {
            Run run = (Run) next(s, totalTokens, true);
            calls.add(run.call());
            if (run.call().last()) return List.copyOf(calls);
            s = run.next();
        }
    }
}
