package org.voicestudio.app.ui.engines;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.voicestudio.inference.engine.Availability;
import org.voicestudio.inference.engine.Engine;
import org.voicestudio.inference.engine.Stage;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which engine runs each stage. Every engine that implements a stage is listed, runnable or not;
 * an unavailable one stays in the list with its reason and can never be selected, and nothing is
 * swapped behind the user's back: a stage with no runnable engine simply has no selection and
 * {@link #missingReason()} says why synthesis cannot start. FX thread only.
 */
public final class EngineSelectionViewModel {
    private final Map<Stage, ObservableList<EngineOption>> options = new EnumMap<>(Stage.class);
    private final Map<Stage, ObjectProperty<EngineOption>> selected = new EnumMap<>(Stage.class);
    private final ObservableList<PresetOption> presets = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<String> activePreset = new ReadOnlyObjectWrapper<>();

    /** A preset as offered: runnable only if every engine it names is here and available. */
    public record PresetOption(Preset preset, Availability availability) {
        public String name() { return preset.name(); }
    }

    public EngineSelectionViewModel() {
        for (Stage s : Stage.values()) {
            options.put(s, FXCollections.observableArrayList());
            ObjectProperty<EngineOption> p = new SimpleObjectProperty<>();
            // refuse unavailable engines however they are set (combo box, code, settings)
            p.addListener((obs, old, now) -> {
                if (now != null && !now.available()) p.set(old != null && old.available() ? old : null);
                updateActivePreset();
            });
            selected.put(s, p);
        }
    }

    /**
     * Fills the lists from the engines on the class path (probe them off the FX thread: CUDA and
     * server checks may take a moment) and selects {@code preferred} ids where runnable, else the
     * first runnable engine of each stage.
     */
    public void setEngines(List<EngineOption> all, Map<Stage, List<String>> stagesById, Map<Stage, String> preferred) {
        for (Stage s : Stage.values()) {
            List<EngineOption> forStage = all.stream()
                    .filter(o -> stagesById.getOrDefault(s, List.of()).contains(o.id())).toList();
            options.get(s).setAll(forStage);
            EngineOption pick = Optional.ofNullable(preferred.get(s))
                    .flatMap(id -> forStage.stream().filter(o -> o.id().equals(id) && o.available()).findFirst())
                    .orElseGet(() -> forStage.stream().filter(EngineOption::available).findFirst().orElse(null));
            selected.get(s).set(pick);
        }
        List<PresetOption> ps = new ArrayList<>();
        for (Preset preset : Preset.standard()) ps.add(new PresetOption(preset, presetAvailability(preset)));
        presets.setAll(ps);
        updateActivePreset();
    }

    /** Probes {@code engines} (slow: call on a worker thread) into the arguments of {@link #setEngines}. */
    public static Probe probe(List<Engine> engines) {
        List<EngineOption> all = new ArrayList<>();
        Map<Stage, List<String>> byStage = new EnumMap<>(Stage.class);
        for (Engine e : engines) {
            all.add(EngineOption.of(e));
            for (Stage s : e.stages()) byStage.computeIfAbsent(s, k -> new ArrayList<>()).add(e.id());
        }
        return new Probe(all, byStage);
    }

    public record Probe(List<EngineOption> options, Map<Stage, List<String>> stagesById) {}

    private Availability presetAvailability(Preset preset) {
        Map<String, String> problems = new LinkedHashMap<>(); // one sentence per problem, in stage order
        for (Stage stage : Stage.values()) {
            String id = preset.engineIds().get(stage);
            Optional<EngineOption> here = options.get(stage).stream().filter(x -> x.id().equals(id)).findFirst();
            if (here.isPresent()) {
                if (!here.get().available()) problems.putIfAbsent(id, here.get().displayName() + ": " + here.get().availability().reason());
                continue;
            }
            Optional<EngineOption> elsewhere = options.values().stream().flatMap(List::stream).filter(x -> x.id().equals(id)).findFirst();
            problems.putIfAbsent(id + "/" + stage, elsewhere.isPresent()
                    ? elsewhere.get().displayName() + " does not run the " + stage.label() + " stage"
                    : "the " + id + " engine is not in this build");
        }
        return problems.isEmpty() ? Availability.yes(preset.name()) : Availability.no(String.join("; ", new java.util.LinkedHashSet<>(problems.values())));
    }

    /** Selects the preset's engines; returns false (and changes nothing) if it cannot run here. */
    public boolean applyPreset(Preset preset) {
        if (!presetAvailability(preset).available()) return false;
        preset.engineIds().forEach((stage, id) ->
                options.get(stage).stream().filter(o -> o.id().equals(id)).findFirst().ifPresent(selected.get(stage)::set));
        return true;
    }

    private void updateActivePreset() {
        activePreset.set(presets.stream().map(PresetOption::preset)
                .filter(p -> p.engineIds().entrySet().stream().allMatch(e -> {
                    EngineOption sel = selected.get(e.getKey()).get();
                    return sel != null && sel.id().equals(e.getValue());
                }))
                .map(Preset::name).findFirst().orElse(null));
    }

    public ObservableList<EngineOption> options(Stage stage) { return options.get(stage); }

    public ObjectProperty<EngineOption> selectedProperty(Stage stage) { return selected.get(stage); }

    public ObservableList<PresetOption> presets() { return presets; }

    /** The preset the current selection matches, or null for a custom mix. */
    public ReadOnlyObjectProperty<String> activePresetProperty() { return activePreset.getReadOnlyProperty(); }

    /** Engine id per stage, or empty if some stage has no runnable engine. */
    public Optional<Map<Stage, String>> selection() {
        Map<Stage, String> ids = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            EngineOption o = selected.get(s).get();
            if (o == null) return Optional.empty();
            ids.put(s, o.id());
        }
        return Optional.of(ids);
    }

    /** Why synthesis cannot start with the current selection, or null if it can. */
    public String missingReason() {
        List<String> missing = new ArrayList<>();
        for (Stage s : Stage.values()) {
            if (selected.get(s).get() != null) continue;
            List<EngineOption> os = options.get(s);
            missing.add(os.isEmpty() ? "no engine in this build runs the " + s.label() + " stage"
                    : "no engine for the " + s.label() + " stage can run here (" + os.stream().map(EngineOption::label).toList() + ")");
        }
        return missing.isEmpty() ? null : String.join("; ", missing);
    }
}
