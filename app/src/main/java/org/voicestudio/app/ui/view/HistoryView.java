package org.voicestudio.app.ui.view;

import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.voicestudio.app.ui.takes.Take;
import org.voicestudio.app.ui.takes.TakeHistoryViewModel;
import org.voicestudio.app.ui.takes.TakeHistoryViewModel.Side;

import java.util.List;
import java.util.function.Consumer;

/**
 * The takes of this session (newest first) and the comparison bar: select two takes and press
 * Compare for A/B at the playhead (keys A and B switch), or Blind ABX for a scored test.
 */
public final class HistoryView extends VBox {
    private final TakeHistoryViewModel vm;
    private final ListView<Take> list = new ListView<>();

    /** What the take menu's "Regenerate sentence" does (take, sentence index). */
    public interface Regenerate { void sentence(Take take, int index); }

    private final Regenerate regenerate;

    public HistoryView(TakeHistoryViewModel vm, Consumer<Take> export, Regenerate regenerate) {
        this.regenerate = regenerate;
        this.vm = vm;
        getStyleClass().addAll("panel", "history");
        setSpacing(8);
        setPadding(new Insets(12));
        Label title = new Label("Takes");
        title.getStyleClass().add("panel-title");

        list.setId("takes");
        list.setItems(vm.takes());
        list.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        list.setPlaceholder(new Label("Takes you synthesize are kept here"));
        list.setCellFactory(v -> new TakeCell(export));
        list.getSelectionModel().selectedItemProperty().addListener((o, old, now) -> { if (now != null) vm.selectedProperty().set(now); });
        vm.selectedProperty().addListener((o, old, now) -> {
            if (now != null && !list.getSelectionModel().getSelectedItems().contains(now)) list.getSelectionModel().clearAndSelect(list.getItems().indexOf(now));
        });
        VBox.setVgrow(list, Priority.ALWAYS);

        Button compare = new Button("Compare A/B");
        compare.setId("compare");
        compare.setTooltip(new Tooltip("Select two takes (Ctrl+click), then compare them at the same playhead"));
        compare.disableProperty().bind(Bindings.size(list.getSelectionModel().getSelectedItems()).isNotEqualTo(2));
        compare.setOnAction(e -> {
            List<Take> two = List.copyOf(list.getSelectionModel().getSelectedItems());
            // the older take is A
            if (two.size() == 2) vm.compare(two.get(0).number() < two.get(1).number() ? two.get(0) : two.get(1),
                    two.get(0).number() < two.get(1).number() ? two.get(1) : two.get(0));
        });

        getChildren().addAll(title, list, compare, comparisonBar());
    }

    private VBox comparisonBar() {
        ToggleGroup group = new ToggleGroup();
        ToggleButton a = side("A", Side.A, group), b = side("B", Side.B, group), x = side("X", Side.X, group);
        x.visibleProperty().bind(vm.abxProperty().isNotNull());
        x.managedProperty().bind(x.visibleProperty());
        vm.sideProperty().addListener((o, old, now) -> group.selectToggle(now == Side.A ? a : now == Side.B ? b : x));
        group.selectToggle(a);
        group.selectedToggleProperty().addListener((o, old, now) -> { if (now == null) group.selectToggle(old); });

        Label names = new Label();
        names.getStyleClass().add("caption");
        names.textProperty().bind(Bindings.createStringBinding(() -> vm.takeAProperty().get() == null || vm.takeBProperty().get() == null ? ""
                : "A = " + vm.takeAProperty().get().title() + "   B = " + vm.takeBProperty().get().title(),
                vm.takeAProperty(), vm.takeBProperty()));

        Button abx = new Button("Blind ABX");
        abx.setId("abx");
        abx.setOnAction(e -> vm.startAbx());
        abx.disableProperty().bind(vm.abxProperty().isNotNull());
        Button stop = new Button("Done");
        stop.setOnAction(e -> vm.stopComparing());
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox sides = new HBox(4, a, b, x, grow, abx, stop);
        sides.getStyleClass().add("segmented");
        sides.setAlignment(Pos.CENTER_LEFT);

        Button saysA = new Button("X is A"), saysB = new Button("X is B");
        saysA.setId("x-is-a");
        saysB.setId("x-is-b");
        saysA.setOnAction(e -> vm.answerAbx(true));
        saysB.setOnAction(e -> vm.answerAbx(false));
        Label score = new Label();
        score.setId("abx-score");
        score.setWrapText(true);
        score.textProperty().bind(vm.abxScoreProperty());
        HBox answer = new HBox(6, saysA, saysB);
        VBox abxBox = new VBox(6, answer, score);
        abxBox.visibleProperty().bind(vm.abxProperty().isNotNull());
        abxBox.managedProperty().bind(abxBox.visibleProperty());

        VBox box = new VBox(6, names, sides, abxBox);
        box.getStyleClass().add("compare-bar");
        box.visibleProperty().bind(vm.comparingProperty());
        box.managedProperty().bind(box.visibleProperty());
        return box;
    }

    private ToggleButton side(String text, Side s, ToggleGroup g) {
        ToggleButton t = new ToggleButton(text);
        t.setId("side-" + text.toLowerCase());
        t.getStyleClass().add("side-" + text.toLowerCase());
        t.setToggleGroup(g);
        t.setOnAction(e -> vm.listenTo(s));
        return t;
    }

    /** Two lines per take: title, length and RTF; then the text. */
    private final class TakeCell extends ListCell<Take> {
        private final Consumer<Take> export;

        TakeCell(Consumer<Take> export) {
            this.export = export;
            setPrefWidth(0); // follow the list's width: long texts end in "…" instead of scrolling sideways
        }

        @Override
        protected void updateItem(Take t, boolean empty) {
            super.updateItem(t, empty);
            if (empty || t == null) { setGraphic(null); setText(null); setContextMenu(null); return; }
            Label head = new Label(t.title());
            head.getStyleClass().add("take-title");
            Label info = new Label(String.format("%.2f s · RTF %s · seed %d", t.seconds(),
                    Double.isNaN(t.metrics().endToEndRtf()) ? "—" : String.format("%.2f", t.metrics().endToEndRtf()), t.request().seed()));
            info.getStyleClass().add("take-info");
            Region grow = new Region();
            HBox.setHgrow(grow, Priority.ALWAYS);
            HBox top = new HBox(6, head, grow, info);
            Label text = new Label(t.text().replace('\n', ' '));
            text.getStyleClass().add("take-text");
            Label engines = new Label(t.voiceName() + " · " + t.enginesLabel());
            engines.getStyleClass().add("take-info");
            VBox box = new VBox(2, top, text, engines);
            if (!t.note().isEmpty()) {
                Label note = new Label(t.note());
                note.getStyleClass().add("take-note");
                box.getChildren().add(2, note);
            }
            box.setMaxWidth(Double.MAX_VALUE);
            setGraphic(box);
            setText(null);
            MenuItem ex = new MenuItem("Export…");
            ex.setOnAction(e -> export.accept(t));
            MenuItem asA = new MenuItem("Compare: set as A");
            asA.setOnAction(e -> vm.compare(t, vm.takeBProperty().get() != null ? vm.takeBProperty().get() : vm.selectedProperty().get()));
            MenuItem remove = new MenuItem("Remove");
            remove.setOnAction(e -> vm.remove(t));
            javafx.scene.control.Menu again = new javafx.scene.control.Menu("Regenerate sentence");
            for (int i = 0; i < t.sentences().size(); i++) {
                int index = i;
                String s = t.sentences().get(i).text();
                MenuItem item = new MenuItem((i + 1) + ".  " + (s.length() > 60 ? s.substring(0, 57) + "…" : s));
                item.setOnAction(e -> regenerate.sentence(t, index));
                again.getItems().add(item);
            }
            again.setDisable(!t.complete() || t.sentences().isEmpty());
            setContextMenu(new ContextMenu(ex, again, asA, remove));
        }
    }
}
