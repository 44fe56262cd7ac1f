package org.voicestudio.app.ui.takes;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.random.RandomGenerator;

/**
 * The takes of this session, newest first; the one shown; and the A/B and ABX comparison between
 * two of them. Switching A⇄B only changes {@link #audibleProperty()}: the player keeps its playhead,
 * so both takes are heard at the same moment of the text. FX thread only.
 */
public final class TakeHistoryViewModel {
    public enum Side { A, B, X }

    private final ObservableList<Take> takes = FXCollections.observableArrayList();
    private final ObjectProperty<Take> selected = new SimpleObjectProperty<>();
    private final ObjectProperty<Take> takeA = new SimpleObjectProperty<>();
    private final ObjectProperty<Take> takeB = new SimpleObjectProperty<>();
    private final ObjectProperty<Side> side = new SimpleObjectProperty<>(Side.A);
    private final BooleanProperty comparing = new SimpleBooleanProperty();
    private final ReadOnlyObjectWrapper<Take> audible = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<AbxSession> abx = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper abxScore = new ReadOnlyStringWrapper("");
    private final RandomGenerator random;
    private int nextNumber = 1;

    public TakeHistoryViewModel(RandomGenerator random) {
        this.random = random;
        selected.addListener(o -> updateAudible());
        takeA.addListener(o -> updateAudible());
        takeB.addListener(o -> updateAudible());
        side.addListener(o -> updateAudible());
        comparing.addListener(o -> updateAudible());
        abx.addListener(o -> updateAudible());
    }

    public int nextNumber() { return nextNumber; }

    /** Adds a finished (or cancelled) take at the top and shows it. */
    public void add(Take take) {
        nextNumber = Math.max(nextNumber, take.number() + 1);
        takes.addFirst(take);
        selected.set(take);
    }

    public void remove(Take take) {
        takes.remove(take);
        if (take == takeA.get()) takeA.set(null);
        if (take == takeB.get()) takeB.set(null);
        if (take == selected.get()) selected.set(takes.isEmpty() ? null : takes.getFirst());
        if (takeA.get() == null || takeB.get() == null) stopComparing();
    }

    /** Puts the two takes side by side for A/B; refused (false) for the same take twice or a missing one. */
    public boolean compare(Take a, Take b) {
        if (a == null || b == null || a == b) return false;
        takeA.set(a);
        takeB.set(b);
        abx.set(null);
        abxScore.set("");
        side.set(Side.A);
        comparing.set(true);
        return true;
    }

    public void stopComparing() {
        comparing.set(false);
        abx.set(null);
        abxScore.set("");
    }

    /** A ⇄ B (or X) at the current playhead. */
    public void listenTo(Side s) {
        if (s == Side.X && abx.get() == null) throw new IllegalStateException("X exists only in a blind ABX test");
        side.set(s);
    }

    public void toggleAB() { side.set(side.get() == Side.A ? Side.B : Side.A); }

    /** Starts a blind ABX test between the compared takes. */
    public void startAbx() {
        if (!comparing.get()) throw new IllegalStateException("pick two takes to compare first");
        abx.set(new AbxSession(random));
        side.set(Side.X);
        updateScore();
    }

    /** The listener's verdict for the current trial; returns whether it was right. */
    public boolean answerAbx(boolean xIsA) {
        AbxSession s = abx.get();
        if (s == null) throw new IllegalStateException("no ABX test is running");
        boolean right = s.answer(xIsA);
        updateScore();
        updateAudible(); // X may now be the other take
        return right;
    }

    private void updateScore() {
        AbxSession s = abx.get();
        abxScore.set(s == null ? "" : s.trials() == 0 ? "Listen to A, B and X, then say which one X is."
                : String.format("%d of %d correct · p = %.3f%s", s.correct(), s.trials(), s.pValue(),
                s.trials() >= 8 && s.pValue() < 0.05 ? " — audibly different" : ""));
    }

    private void updateAudible() {
        if (!comparing.get()) { audible.set(selected.get()); return; }
        audible.set(switch (side.get()) {
            case A -> takeA.get();
            case B -> takeB.get();
            case X -> abx.get() == null ? takeA.get() : abx.get().xIsA() ? takeA.get() : takeB.get();
        });
    }

    public ObservableList<Take> takes() { return takes; }

    public ObjectProperty<Take> selectedProperty() { return selected; }

    public ObjectProperty<Take> takeAProperty() { return takeA; }

    public ObjectProperty<Take> takeBProperty() { return takeB; }

    public ObjectProperty<Side> sideProperty() { return side; }

    public BooleanProperty comparingProperty() { return comparing; }

    /** The take the player and the waveform follow. */
    public ReadOnlyObjectProperty<Take> audibleProperty() { return audible.getReadOnlyProperty(); }

    public ReadOnlyObjectProperty<AbxSession> abxProperty() { return abx.getReadOnlyProperty(); }

    public ReadOnlyStringProperty abxScoreProperty() { return abxScore.getReadOnlyProperty(); }
}
