package org.voicestudio.app.ui;

import org.voicestudio.app.ui.synthesis.CancelSignal;
import org.voicestudio.app.ui.synthesis.TakeRequest;
import org.voicestudio.app.ui.synthesis.Synthesizer;
import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.SynthesisListener;

import java.util.ArrayList;
import java.util.List;

/**
 * Test double for the view-model seam: replays the callback pattern of a streaming synthesis
 * (tokens, then per chunk LLM → Flow → Vocoder events and an audio chunk of a tone) with real
 * sleeps, honouring cancel like the pipeline must. It tests the studio's handling of callbacks,
 * not inference.
 */
public final class ScriptedSynthesizer implements Synthesizer {
    private static final int SR = 24000;
    private final int chunks;
    private final long chunkMillis;
    public final List<TakeRequest> requests = new ArrayList<>();

    public ScriptedSynthesizer(int chunks, long chunkMillis) {
        this.chunks = chunks;
        this.chunkMillis = chunkMillis;
    }

    @Override
    public int sampleRate() { return SR; }

    @Override
    public void synthesize(TakeRequest request, SynthesisListener listener, CancelSignal cancel) {
        synchronized (requests) { requests.add(request); }
        try {
            for (int c = 0; c < chunks; c++) {
                if (cancel.isCancelled()) { listener.onCancelled(); return; }
                long t = System.nanoTime();
                for (int k = 0; k < 25; k++) listener.onSpeechToken(100 + k);
                Thread.sleep(chunkMillis / 3);
                long t1 = System.nanoTime();
                listener.onStageEvent(new StageEvent(Stage.LLM, c, t, t1, 25, 1.0));
                Thread.sleep(chunkMillis / 3);
                long t2 = System.nanoTime();
                listener.onStageEvent(new StageEvent(Stage.FLOW, c, t1, t2, 50, 1.0));
                Thread.sleep(chunkMillis / 3);
                long t3 = System.nanoTime();
                listener.onStageEvent(new StageEvent(Stage.VOCODER, c, t2, t3, SR, 1.0));
                float[] s = new float[SR];
                double hz = 150 + 30 * c + request.seed() % 50;
                for (int i = 0; i < s.length; i++) s[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * i / SR));
                listener.onAudio(new AudioChunk(c, s, SR, c == chunks - 1));
            }
            listener.onFinished();
        } catch (InterruptedException e) {
            listener.onCancelled();
        }
    }
}
