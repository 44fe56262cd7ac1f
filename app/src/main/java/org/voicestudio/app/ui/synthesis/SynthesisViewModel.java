package org.voicestudio.app.ui.synthesis;

import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.voicestudio.app.ui.FxCoalescer;
import org.voicestudio.app.ui.audio.AudioBuffer;
import org.voicestudio.app.ui.engines.EngineSelectionViewModel;
import org.voicestudio.app.ui.metrics.LiveMetrics;
import org.voicestudio.app.ui.metrics.MetricsViewModel;
import org.voicestudio.app.ui.takes.Take;
import org.voicestudio.app.ui.takes.TakeHistoryViewModel;
import org.voicestudio.app.ui.voices.VoiceItem;
import org.voicestudio.inference.metrics.StageEvent;
import org.voicestudio.inference.pipeline.AudioChunk;
import org.voicestudio.inference.pipeline.SynthesisListener;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The editor's inputs (text, language, speed, seed) and the run of one synthesis: starts it on the
 * studio's executor, turns the pipeline's callbacks into coalesced FX updates of the metrics, the
 * growing audio and the token count, and files the result as a {@link Take}. Cancel stops the run
 * and leaves the studio ready for the next one. FX thread only, except where noted.
 */
public final class SynthesisViewModel {
    public enum State { IDLE, RUNNING, CANCELLING }

    private static final String NO_TEXT = "Type some text to synthesize";

    /** How long typing must pause before the sentence split is recomputed. */
    private static final javafx.util.Duration SPLIT_DELAY = javafx.util.Duration.millis(300);

    private final ExecutorService executor;
    private final EngineSelectionViewModel engines;
    private final MetricsViewModel metrics;
    private final TakeHistoryViewModel history;
    private final RandomGenerator seeds;

    private final StringProperty text = new SimpleStringProperty("");
    /** Starts in the desktop's language (a Spanish desktop reads "23" as "veintitrés"); English when the frontend lacks it. */
    private final StringProperty language = new SimpleStringProperty(java.util.Locale.getDefault().getLanguage());
    private final javafx.collections.ObservableList<String> languages = javafx.collections.FXCollections.observableArrayList("en");
    private final javafx.collections.ObservableList<String> sentences = javafx.collections.FXCollections.observableArrayList();
    private final StringProperty sentencesProblem = new SimpleStringProperty();
    private javafx.animation.PauseTransition splitLater;
    private int splitGeneration;
    private final DoubleProperty speed = new SimpleDoubleProperty(1.0);
    private final LongProperty seed = new SimpleLongProperty(1986);
    private final ObjectProperty<String> voiceId = new SimpleObjectProperty<>();
    private final StringProperty voiceName = new SimpleStringProperty(VoiceItem.DEFAULT.name());
    private final ObjectProperty<Synthesizer> synthesizer = new SimpleObjectProperty<>();
    private final StringProperty synthesizerProblem = new SimpleStringProperty("Loading the model…");
    private final ReadOnlyObjectWrapper<State> state = new ReadOnlyObjectWrapper<>(State.IDLE);
    private final ReadOnlyIntegerWrapper tokens = new ReadOnlyIntegerWrapper();
    private final ReadOnlyIntegerWrapper audioRevision = new ReadOnlyIntegerWrapper();
    private final ReadOnlyObjectWrapper<AudioBuffer> liveAudio = new ReadOnlyObjectWrapper<>();
    private final BooleanBinding canSynthesize;
    private final StringBinding blockedReason;
    private Consumer<String> status = s -> {};
    private Run run;

    public SynthesisViewModel(ExecutorService executor, EngineSelectionViewModel engines, MetricsViewModel metrics,
                              TakeHistoryViewModel history, RandomGenerator seeds) {
        this.executor = executor;
        this.engines = engines;
        this.metrics = metrics;
        this.history = history;
        this.seeds = seeds;
        // engine selection is a set of properties; fold them into one dependency
        javafx.beans.Observable[] deps = new javafx.beans.Observable[org.voicestudio.inference.engine.Stage.values().length];
        for (var s : org.voicestudio.inference.engine.Stage.values()) deps[s.ordinal()] = engines.selectedProperty(s);
        blockedReason = Bindings.createStringBinding(this::computeBlockedReason,
                concat(deps, text, synthesizer, synthesizerProblem, state));
        canSynthesize = blockedReason.isNull();
        synthesizer.addListener((o, old, now) -> {
            if (now != null) {
                languages.setAll(now.languages());
                if (!languages.contains(language.get()) && !languages.isEmpty()) language.set(languages.contains("en") ? "en" : languages.getFirst());
            }
            resplit();
        });
        text.addListener(o -> resplitLater());
        language.addListener(o -> resplitLater());
    }

    private void resplitLater() {
        if (splitLater == null) {
            splitLater = new javafx.animation.PauseTransition(SPLIT_DELAY);
            splitLater.setOnFinished(e -> resplit());
        }
        splitLater.playFromStart();
    }

    /** Recomputes the sentence split on the executor; a newer request wins. */
    private void resplit() {
        Synthesizer synth = synthesizer.get();
        String t = text.get(), lang = language.get();
        int gen = ++splitGeneration;
        if (synth == null || t == null || t.isBlank()) { sentences.clear(); sentencesProblem.set(null); return; }
        try {
            executor.execute(() -> {
                List<String> result = null;
                String problem = null;
                try {
                    result = synth.sentences(t, lang);
                } catch (Exception | LinkageError e) {
                    problem = "Cannot prepare the text: " + describe(e);
                }
                List<String> r = result;
                String p = problem;
                Platform.runLater(() -> {
                    if (gen != splitGeneration) return;
                    if (r != null) sentences.setAll(r); else sentences.clear();
                    sentencesProblem.set(p);
                });
            });
        } catch (RejectedExecutionException closing) {
            // shutting down
        }
    }

    private static javafx.beans.Observable[] concat(javafx.beans.Observable[] a, javafx.beans.Observable... b) {
        javafx.beans.Observable[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private String computeBlockedReason() {
        if (state.get() != State.IDLE) return "A synthesis is running";
        if (synthesizer.get() == null) return Objects.requireNonNullElse(synthesizerProblem.get(), "No model is loaded");
        String engineProblem = engines.missingReason();
        if (engineProblem != null) return engineProblem;
        if (text.get() == null || text.get().isBlank()) return NO_TEXT;
        return null;
    }

    /** Where status lines go (the window's status bar). */
    public void setStatusSink(Consumer<String> sink) { status = sink; }

    /** Starts a synthesis of the editor's text; returns false (and says why) if it cannot start. */
    public boolean synthesize() {
        String blocked = blockedReason.get();
        if (blocked != null) { status.accept(blocked); return false; }
        TakeRequest request;
        try {
            request = new TakeRequest(text.get(), voiceId.get(), language.get(), speed.get(), seed.get(),
                    engines.selection().orElseThrow());
        } catch (IllegalArgumentException e) {
            status.accept(e.getMessage());
            return false;
        }
        return start(request, voiceName.get(), null);
    }

    private boolean start(TakeRequest request, String voice, Splice splice) {
        Synthesizer synth = synthesizer.get();
        Run r = new Run(request, voice, new AudioBuffer(synth.sampleRate()), splice);
        run = r;
        tokens.set(0);
        liveAudio.set(r.audio);
        metrics.startLive(System.nanoTime());
        state.set(State.RUNNING);
        status.accept("Preparing " + String.join(" / ", request.engines().values()) + " …");
        try {
            executor.execute(() -> {
                try {
                    synth.prepare(request.engines());
                    if (r.cancel.isCancelled()) { r.onCancelled(); return; }
                    // the clock starts once the engines are loaded: loading is not synthesis time.
                    // Posted before any pipeline callback, so the FX queue applies it first.
                    long start = System.nanoTime();
                    r.startNanos = start;
                    Platform.runLater(() -> {
                        if (run != r) return;
                        metrics.startLive(start);
                        status.accept("Synthesizing with " + String.join(" / ", request.engines().values()) + " …");
                    });
                    synth.synthesize(request, r, r.cancel);
                } catch (Throwable t) {
                    r.onFailed(t); // a synthesizer that throws instead of reporting still ends the run
                }
            });
        } catch (RejectedExecutionException e) {
            r.onFailed(new IllegalStateException("the studio is shutting down"));
        }
        return true;
    }

    /**
     * Synthesizes sentence {@code index} of {@code take} again with a new seed and files a new take
     * with that sentence replaced and the rest kept. Returns false (and says why) if it cannot start.
     */
    public boolean regenerate(Take take, int index) {
        if (index < 0 || index >= take.sentences().size()) { status.accept("That take has no sentence " + (index + 1)); return false; }
        String blocked = blockedReason.get();
        // the editor's text does not matter here: the sentence comes from the take
        if (blocked != null && !blocked.equals(NO_TEXT)) { status.accept(blocked); return false; }
        Take.Segment segment = take.sentences().get(index);
        TakeRequest r = take.request();
        long newSeed = seeds.nextLong(1, 1L << 31);
        return start(new TakeRequest(segment.text(), r.voice(), r.language(), r.speed(), newSeed, r.engines()),
                take.voiceName(), new Splice(take, index));
    }

    /** Where a regenerated sentence goes. */
    private record Splice(Take into, int index) {}

    public void cancel() {
        if (run == null || state.get() != State.RUNNING) return;
        state.set(State.CANCELLING);
        status.accept("Cancelling…");
        run.cancel.cancel();
    }

    /** Picks a fresh random seed. */
    public void newSeed() { seed.set(seeds.nextLong(1, 1L << 31)); }

    /** One synthesis in flight; its listener methods are called on pipeline threads. */
    private final class Run implements SynthesisListener, SentenceListener {
        final TakeRequest request;
        final Splice splice;
        final List<Take.Segment> sentences = new java.util.concurrent.CopyOnWriteArrayList<>();
        final String voice;
        final AudioBuffer audio;
        volatile long startNanos;
        final CancelSignal cancel = new CancelSignal();
        final Queue<StageEvent> events = new ConcurrentLinkedQueue<>();
        final Queue<LiveMetrics.AudioArrival> arrivals = new ConcurrentLinkedQueue<>();
        final AtomicInteger tokenCount = new AtomicInteger();
        final AtomicBoolean ended = new AtomicBoolean();
        final FxCoalescer updates = new FxCoalescer(this::drain);

        Run(TakeRequest request, String voice, AudioBuffer audio, Splice splice) {
            this.request = request;
            this.splice = splice;
            this.voice = voice;
            this.audio = audio;
            this.startNanos = System.nanoTime();
        }

        @Override
        public void onSpeechToken(int token) {
            tokenCount.incrementAndGet();
            updates.request();
        }

        @Override
        public void onStageEvent(StageEvent event) {
            events.add(event);
            updates.request();
        }

        @Override
        public void onAudio(AudioChunk chunk) {
            if (chunk.sampleRate() != audio.sampleRate()) {
                onFailed(new IllegalStateException("the pipeline sent audio at " + chunk.sampleRate()
                        + " Hz but the model's rate is " + audio.sampleRate() + " Hz"));
                cancel.cancel();
                return;
            }
            if (ended.get()) return;
            audio.append(chunk.samples());
            arrivals.add(new LiveMetrics.AudioArrival(chunk.seconds(), System.nanoTime()));
            updates.request();
        }

        @Override
        public void onSentenceEnd(int index, String text) {
            int from = sentences.isEmpty() ? 0 : sentences.getLast().to();
            sentences.add(new Take.Segment(text, from, audio.length()));
        }

        @Override
        public void onFinished() { end(Outcome.FINISHED, null); }

        @Override
        public void onCancelled() { end(Outcome.CANCELLED, null); }

        @Override
        public void onFailed(Throwable error) { end(Outcome.FAILED, error); }

        private void end(Outcome outcome, Throwable error) {
            if (!ended.compareAndSet(false, true)) return;
            audio.complete();
            long endNanos = System.nanoTime();
            Platform.runLater(() -> finish(this, outcome, error, endNanos));
        }

        /** FX thread: apply what arrived since the last pass. */
        void drain() {
            if (run != this) return;
            List<StageEvent> es = new ArrayList<>();
            for (StageEvent e; (e = events.poll()) != null; ) es.add(e);
            List<LiveMetrics.AudioArrival> as = new ArrayList<>();
            for (LiveMetrics.AudioArrival a; (a = arrivals.poll()) != null; ) as.add(a);
            metrics.applyLive(es, as, System.nanoTime());
            tokens.set(tokenCount.get());
            if (!as.isEmpty()) audioRevision.set(audioRevision.get() + 1);
        }
    }

    private enum Outcome { FINISHED, CANCELLED, FAILED }

    private void finish(Run r, Outcome outcome, Throwable error, long endNanos) {
        r.drain();
        String message = switch (outcome) {
            case FINISHED -> String.format("Done: %.2f s of audio", r.audio.seconds());
            case CANCELLED -> String.format("Cancelled after %.2f s of audio", r.audio.seconds());
            case FAILED -> "Synthesis failed: " + describe(error);
        };
        LiveMetrics live = metrics.finishLive(message, endNanos);
        run = null;
        state.set(State.IDLE);
        audioRevision.set(audioRevision.get() + 1);
        if (r.splice != null && outcome == Outcome.FINISHED) {
            history.add(spliced(r, live));
        } else if (r.audio.length() > 0 && r.splice == null) {
            List<Take.Segment> sentences = !r.sentences.isEmpty() ? List.copyOf(r.sentences)
                    : List.of(new Take.Segment(r.request.text().strip(), 0, r.audio.length()));
            history.add(new Take(history.nextNumber(), r.request, r.voice, r.audio, live.snapshot(), live.events(),
                    r.startNanos, outcome == Outcome.FINISHED, Instant.now(), sentences, ""));
        }
        liveAudio.set(null);
        status.accept(message);
    }

    /** The take a regenerated sentence makes: the old audio with that sentence's samples replaced. */
    private Take spliced(Run r, LiveMetrics live) {
        Take old = r.splice.into();
        int index = r.splice.index();
        Take.Segment seg = old.sentences().get(index);
        float[] before = old.audio().toArray();
        float[] fresh = r.audio.toArray();
        float[] out = new float[before.length - (seg.to() - seg.from()) + fresh.length];
        System.arraycopy(before, 0, out, 0, seg.from());
        System.arraycopy(fresh, 0, out, seg.from(), fresh.length);
        System.arraycopy(before, seg.to(), out, seg.from() + fresh.length, before.length - seg.to());
        int shift = fresh.length - (seg.to() - seg.from());
        List<Take.Segment> sentences = new ArrayList<>();
        for (int i = 0; i < old.sentences().size(); i++) {
            Take.Segment s = old.sentences().get(i);
            sentences.add(i < index ? s : i == index ? new Take.Segment(s.text(), s.from(), s.from() + fresh.length)
                    : new Take.Segment(s.text(), s.from() + shift, s.to() + shift));
        }
        TakeRequest request = new TakeRequest(old.request().text(), old.request().voice(), old.request().language(),
                old.request().speed(), r.request.seed(), old.request().engines());
        return new Take(history.nextNumber(), request, old.voiceName(), AudioBuffer.of(out, old.audio().sampleRate()),
                live.snapshot(), live.events(), r.startNanos, true, Instant.now(), sentences,
                "sentence " + (index + 1) + " of " + old.title() + " regenerated (seed " + r.request.seed() + ")");
    }

    /** A failure in words: the message chain, without stack traces. */
    static String describe(Throwable error) {
        if (error == null) return "unknown error";
        StringBuilder sb = new StringBuilder();
        for (Throwable t = error; t != null && sb.length() < 400; t = t.getCause()) {
            String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (!sb.toString().contains(m)) sb.append(sb.isEmpty() ? "" : ": ").append(m);
        }
        return sb.toString();
    }

    public StringProperty textProperty() { return text; }

    public StringProperty languageProperty() { return language; }

    /** Languages the loaded model's frontend offers. */
    public javafx.collections.ObservableList<String> languages() { return languages; }

    /** The text as the pipeline will synthesize it, sentence by sentence (updated shortly after typing). */
    public javafx.collections.ObservableList<String> sentences() { return sentences; }

    /** Why the text cannot be prepared (e.g. a character the tokenizer rejects), or null. */
    public StringProperty sentencesProblemProperty() { return sentencesProblem; }

    public DoubleProperty speedProperty() { return speed; }

    public LongProperty seedProperty() { return seed; }

    public ObjectProperty<String> voiceIdProperty() { return voiceId; }

    public StringProperty voiceNameProperty() { return voiceName; }

    /** Set when a model is loaded; null while none is (see {@link #synthesizerProblemProperty()}). */
    public ObjectProperty<Synthesizer> synthesizerProperty() { return synthesizer; }

    public StringProperty synthesizerProblemProperty() { return synthesizerProblem; }

    public ReadOnlyObjectProperty<State> stateProperty() { return state.getReadOnlyProperty(); }

    public BooleanBinding canSynthesizeProperty() { return canSynthesize; }

    /** Why Synthesize is disabled, or null. */
    public StringBinding blockedReasonProperty() { return blockedReason; }

    /** Speech tokens the LLM produced so far in the running synthesis. */
    public ReadOnlyIntegerProperty tokensProperty() { return tokens.getReadOnlyProperty(); }

    /** Bumped whenever the live audio grew (views redraw on it). */
    public ReadOnlyIntegerProperty audioRevisionProperty() { return audioRevision.getReadOnlyProperty(); }

    /** The audio of the running synthesis, or null when none runs. */
    public ReadOnlyObjectProperty<AudioBuffer> liveAudioProperty() { return liveAudio.getReadOnlyProperty(); }
}
