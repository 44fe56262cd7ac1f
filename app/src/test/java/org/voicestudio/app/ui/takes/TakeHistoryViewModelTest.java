package org.voicestudio.app.ui.takes;

import org.junit.jupiter.api.Test;
import org.voicestudio.app.ui.audio.AudioBuffer;
import org.voicestudio.app.ui.metrics.LiveMetrics;
import org.voicestudio.app.ui.synthesis.TakeRequest;
import org.voicestudio.inference.engine.Stage;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TakeHistoryViewModelTest {
    static Take take(int n, long seed) {
        TakeRequest r = new TakeRequest("Hello number " + n, null, "auto", 1.0, seed,
                Map.of(Stage.LLM, "djl", Stage.FLOW, "djl", Stage.VOCODER, "djl"));
        return new Take(n, r, "Default speaker", AudioBuffer.of(new float[2400 * n], 24000), LiveMetrics.Snapshot.EMPTY,
                List.of(), 0, true, Instant.EPOCH, List.of(), "");
    }

    @Test
    void newTakesGoOnTopAndAreShownAndHeard() {
        TakeHistoryViewModel vm = new TakeHistoryViewModel(new Random(1));
        Take t1 = take(1, 1), t2 = take(2, 2);
        vm.add(t1);
        vm.add(t2);
        assertEquals(List.of(t2, t1), vm.takes());
        assertEquals(t2, vm.selectedProperty().get());
        assertEquals(t2, vm.audibleProperty().get());
        assertEquals(3, vm.nextNumber());
    }

    @Test
    void abSwitchesTheAudibleTakeAndBackAfterDone() {
        TakeHistoryViewModel vm = new TakeHistoryViewModel(new Random(1));
        Take t1 = take(1, 1), t2 = take(2, 2);
        vm.add(t1);
        vm.add(t2);
        assertFalse(vm.compare(t1, t1));
        assertTrue(vm.compare(t1, t2));
        assertEquals(t1, vm.audibleProperty().get());
        vm.toggleAB();
        assertEquals(t2, vm.audibleProperty().get());
        vm.listenTo(TakeHistoryViewModel.Side.A);
        assertEquals(t1, vm.audibleProperty().get());
        assertThrows(IllegalStateException.class, () -> vm.listenTo(TakeHistoryViewModel.Side.X));
        vm.stopComparing();
        assertEquals(t2, vm.audibleProperty().get()); // back to the selected take
    }

    @Test
    void abxPlaysTheHiddenTakeAndScoresTheListener() {
        TakeHistoryViewModel vm = new TakeHistoryViewModel(new Random(7));
        Take a = take(1, 1), b = take(2, 2);
        vm.add(a);
        vm.add(b);
        vm.compare(a, b);
        vm.startAbx();
        int right = 0;
        for (int i = 0; i < 10; i++) {
            Take x = vm.audibleProperty().get(); // what the listener hears as X
            boolean answerA = i % 3 != 0 ? x == a : x != a; // right two times in three
            if (vm.answerAbx(answerA)) right++;
        }
        assertEquals(6, right); // i = 0, 3, 6, 9 answered wrong
        assertEquals(10, vm.abxProperty().get().trials());
        assertTrue(vm.abxScoreProperty().get().startsWith("6 of 10 correct"), vm.abxScoreProperty().get());
        vm.remove(b);
        assertFalse(vm.comparingProperty().get());
        assertNull(vm.abxProperty().get());
    }

    @Test
    void abxPValueIsTheChanceOfGuessingAsWell() {
        AbxSession s = new AbxSession(new Random(3));
        assertEquals(1.0, s.pValue());
        for (int i = 0; i < 8; i++) s.answer(s.xIsA());
        assertEquals(1 / 256.0, s.pValue(), 1e-12);
        s.answer(!s.xIsA());
        assertEquals(10 / 512.0, s.pValue(), 1e-12); // P(X >= 8 of 9) = (9 + 1) / 2^9
    }
}
