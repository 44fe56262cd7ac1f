package org.voicestudio.inference.pipeline;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StreamScheduleTest {
    private static final int TOKEN_HOP_LEN = 25;      // cosyvoice3.yaml chunk_size
    private static final int PRE_LOOKAHEAD_LEN = 3;   // cosyvoice3.yaml pre_lookahead_len

    @Test
    void traceMatchesOfficialSchedulerOnGoldenFixture() {
        Tensor golden = Golden.tensor("e2e_st_calls");                       // [calls, 4] int64
        int promptTokens = (int) Golden.tensor("flow_prompt_token").dim(1);   // P = 12
        int tokens = (int) Golden.tensor("flow_token").dim(1);                // N = 50

        List<Token2WavCall> plan = StreamSchedule.forPrompt(promptTokens, TOKEN_HOP_LEN, PRE_LOOKAHEAD_LEN).plan(tokens);

        long[] expected = golden.toLongs();
        assertEquals(golden.dim(0), plan.size(), "number of token2wav calls");
        for (int i = 0; i < plan.size(); i++) {
            long[] row = plan.get(i).traceRow();
            for (int j = 0; j < 4; j++) assertEquals(expected[i * 4 + j], row[j], "call " + i + " field " + j);
        }
    }

    @Test
    void promptPadCompletesTheLastPromptChunk() {
        assertEquals(13, StreamSchedule.promptTokenPad(12, 25));
        assertEquals(0, StreamSchedule.promptTokenPad(25, 25));
        assertEquals(24, StreamSchedule.promptTokenPad(26, 25));
        assertEquals(0, StreamSchedule.promptTokenPad(0, 25));
        assertEquals(1, StreamSchedule.promptTokenPad(74, 25));
    }

    @Test
    void hopGrowsFrom25To50To100AndStaysThere() {
        // P = 25 (no pad), N = 400: offsets 0, 25, 75, 175, 275, 375 and a final call on all 400
        List<Token2WavCall> plan = StreamSchedule.forPrompt(25, TOKEN_HOP_LEN, PRE_LOOKAHEAD_LEN).plan(400);
        assertEquals(List.of(
                new Token2WavCall(28, 0, true, false),
                new Token2WavCall(78, 25, true, false),
                new Token2WavCall(178, 75, true, false),
                new Token2WavCall(278, 175, true, false),
                new Token2WavCall(378, 275, true, false),
                new Token2WavCall(400, 375, false, true)), plan);
    }

    @Test
    void everyHopIsPerRequest() {
        // the official instance attribute would start a second request at hop 100; ours starts at 25 again
        StreamSchedule schedule = StreamSchedule.forPrompt(25, TOKEN_HOP_LEN, PRE_LOOKAHEAD_LEN);
        assertEquals(schedule.plan(400), schedule.plan(400));
        assertEquals(28, StreamSchedule.forPrompt(25, TOKEN_HOP_LEN, PRE_LOOKAHEAD_LEN).plan(400).getFirst().tokens());
    }

    @Test
    void chunkBoundariesLandOnChunkBoundariesOfPromptPlusTarget() {
        for (int p = 0; p <= 80; p++) {
            StreamSchedule schedule = StreamSchedule.forPrompt(p, TOKEN_HOP_LEN, PRE_LOOKAHEAD_LEN);
            for (Token2WavCall call : schedule.plan(500)) {
                if (call.tokenOffset() > 0) assertEquals(0, (p + call.tokenOffset()) % TOKEN_HOP_LEN, "P=" + p + " " + call);
                if (!call.last()) assertEquals(0, (p + call.tokens() - PRE_LOOKAHEAD_LEN) % TOKEN_HOP_LEN, "P=" + p + " " + call);
            }
        }
    }

    @Test
    void waitsUntilHopPlusLookaheadTokensAreThere() {
        StreamSchedule schedule = StreamSchedule.forPrompt(12, TOKEN_HOP_LEN, PRE_LOOKAHEAD_LEN);
        StreamSchedule.State start = schedule.initial();
        assertEquals(new StreamSchedule.Wait(41), schedule.next(start, 40, false));
        StreamSchedule.Run first = (StreamSchedule.Run) schedule.next(start, 41, false);
        assertEquals(new Token2WavCall(41, 0, true, false), first.call());
        assertEquals(new StreamSchedule.State(38, 50), first.next());
        assertEquals(new StreamSchedule.Wait(91), schedule.next(first.next(), 90, false));
    }

    @Test
    void llmEndRunsOneFinalFullAttentionCallOnAllTokens() {
        StreamSchedule schedule = StreamSchedule.forPrompt(12, TOKEN_HOP_LEN, PRE_LOOKAHEAD_LEN);
        StreamSchedule.Run run = (StreamSchedule.Run) schedule.next(schedule.initial(), 40, true);
        assertEquals(new Token2WavCall(40, 0, false, true), run.call());
        // with enough tokens the chunk still comes first, as upstream checks the chunk before the end
        assertFalse(((StreamSchedule.Run) schedule.next(schedule.initial(), 41, true)).call().last());
    }

    @Test
    void nonStreamingIsOneFinalCall() {
        assertEquals(new Token2WavCall(50, 0, false, true), StreamSchedule.nonStreaming(50));
    }

    @Test
    void rejectsFewerTokensThanAlreadyUsed() {
        StreamSchedule schedule = StreamSchedule.forPrompt(12, TOKEN_HOP_LEN, PRE_LOOKAHEAD_LEN);
        assertThrows(IllegalArgumentException.class, () -> schedule.next(new StreamSchedule.State(38, 50), 30, false));
    }
}
