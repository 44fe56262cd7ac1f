package org.voicestudio.app.ui.audio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.app.ui.FxThread;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AnalysisViewModelTest {
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void fx() { FxThread.start(); }

    @AfterEach
    void stop() { executor.shutdownNow(); }

    @Test
    void requestsDuringAStreamEndWithTheWholeAudioAnalysed() throws Exception {
        AnalysisViewModel vm = FxThread.call(() -> new AnalysisViewModel(executor));
        AudioBuffer b = new AudioBuffer(24000);
        for (int c = 0; c < 6; c++) {
            b.append(AnalysisTest.tone(200, 1.0, 24000));
            FxThread.run(() -> vm.request(b));
            Thread.sleep(5);
        }
        b.complete();
        FxThread.run(() -> vm.request(b));
        FxThread.await(() -> vm.resultProperty().get() != null && vm.resultProperty().get().length() == 6 * 24000, 10_000, "full analysis");
        AnalysisViewModel.Result r = FxThread.call(() -> vm.resultProperty().get());
        assertEquals(1 + (6 * 24000 - 1024) / 256, r.spectrogram().frames());
    }
}
