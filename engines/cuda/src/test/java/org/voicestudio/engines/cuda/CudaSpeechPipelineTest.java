package org.voicestudio.engines.cuda;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Engines;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.flow.FlowModel;
import org.voicestudio.inference.llm.SpeechLanguageModel;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.metrics.MetricsCollector;
import org.voicestudio.inference.metrics.SynthesisMetrics;
import org.voicestudio.inference.metrics.TimelineSpan;
import org.voicestudio.inference.pipeline.AudioRecorder;
import org.voicestudio.inference.pipeline.SpeechPipeline;
import org.voicestudio.inference.pipeline.Synthesis;
import org.voicestudio.inference.pipeline.SynthesisListener;
import org.voicestudio.inference.pipeline.SynthesisRequest;
import org.voicestudio.inference.pipeline.VoicePrompt;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.vocoder.Vocoder;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The threaded pipeline with all three stages on CUDA (cv3-tiny through {@code CudaEngine}, each stage with its
 * own context object and stream): the same take with and without stage overlap, and the overlap on the timeline.
 * Skips without a CUDA device.
 */
class CudaSpeechPipelineTest {
    /**
     * Both takes run the same kernels on the same inputs (same seed, same tokens), so they agree bit for bit unless
     * the stages' streams race; 1e-6 leaves room for nothing but that.
     */
    private static final double AUDIO_TOL = 1e-6;
    private static final Duration END = Duration.ofSeconds(120);

    private static ModelFolder folder;
    private static SpeechLanguageModel llm;
    private static FlowModel flow;
    private static Vocoder vocoder;

    @BeforeAll
    static void load() throws Exception {
        CudaTesting.assumeCudaDevice();
        folder = ModelFolder.open(Golden.tinyModel());
        Engine cuda = Engines.require("cuda");
        llm = cuda.loadLlm(folder);
        flow = cuda.loadFlow(folder);
        vocoder = cuda.loadVocoder(folder);
    }

    @AfterAll
    static void close() {
        if (vocoder != null) vocoder.close();
        if (flow != null) flow.close();
        if (llm != null) llm.close();
        if (folder != null) folder.close();
    }

    private record Take(SynthesisMetrics metrics, int[] tokens, float[] audio, int calls) {}

    /** A voice from the fixture's prompt: 12 prompt tokens, their mel, the x-vector. */
    private static VoicePrompt voice() {
        var feat = Golden.tensor("flow_prompt_feat");   // (1, 2P, 80) time-major
        return new VoicePrompt(Golden.tensor("llm_prompt_text").toInts(), Golden.tensor("flow_prompt_token").toInts(),
                Mel.fromTimeMajor(feat.toFloats(), (int) feat.dim(1), (int) feat.dim(2)), Golden.tensor("flow_embedding").toFloats());
    }

    private static Take take(SpeechPipeline.Overlap overlap) throws Exception {
        SpeechPipeline pipeline = SpeechPipeline.of(llm, flow, vocoder, folder.config()).withOverlap(overlap);
        // 100 text ids: at least 200 tokens (stop ids masked below min_len), several streaming chunks
        int[] text = new int[100];
        for (int i = 0; i < text.length; i++) text[i] = 1 + (i * 53) % 900;
        AudioRecorder audio = new AudioRecorder();
        MetricsCollector metrics = MetricsCollector.startingNow();
        Synthesis s = pipeline.start(new SynthesisRequest(text, voice(), 5, true), SynthesisListener.all(audio, metrics));
        assertTrue(s.await(END), "synthesis ended");
        assertEquals(Synthesis.Outcome.FINISHED, s.outcome(), () -> String.valueOf(s.failure()));
        return new Take(metrics.snapshot(), audio.tokens(), audio.samples(), s.calls().size());
    }

    private static boolean intersect(TimelineSpan a, TimelineSpan b) {
        return a.startSeconds() < b.endSeconds() && b.startSeconds() < a.endSeconds();
    }

    @Test
    void allCudaStagesGiveTheSameTakeWithAndWithoutOverlapAndOverlapOnTheTimeline() throws Exception {
        Take serial = take(SpeechPipeline.Overlap.NONE);
        Take overlapped = take(SpeechPipeline.Overlap.STAGES);
        assertTrue(serial.calls() >= 4, "several streaming chunks, got " + serial.calls());
        assertArrayEquals(serial.tokens(), overlapped.tokens(), "same seed, same tokens");
        assertEquals(serial.audio().length, overlapped.audio().length);
        double maxDiff = 0;
        for (int i = 0; i < serial.audio().length; i++) maxDiff = Math.max(maxDiff, Math.abs(serial.audio()[i] - overlapped.audio()[i]));
        System.out.printf("CUDA pipeline, %d tokens, %d calls: max |serial - overlapped| = %.3g; wall serial %.3f s, overlapped %.3f s%n",
                serial.tokens().length, serial.calls(), maxDiff, serial.metrics().wallSeconds(), overlapped.metrics().wallSeconds());
        assertTrue(maxDiff <= AUDIO_TOL, "audio differs by " + maxDiff);

        List<TimelineSpan> all = serial.metrics().timeline();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) assertFalse(intersect(all.get(i), all.get(j)), all.get(i) + " overlaps " + all.get(j));
        }
        List<TimelineSpan> t = overlapped.metrics().timeline();
        TimelineSpan flow0 = t.stream().filter(x -> x.stage() == Stage.FLOW).min(Comparator.comparingInt(TimelineSpan::chunk)).orElseThrow();
        assertTrue(t.stream().anyMatch(x -> x.stage() == Stage.LLM && intersect(x, flow0)),
                "the LLM generates while the flow works on chunk 0: " + t);
    }
}
