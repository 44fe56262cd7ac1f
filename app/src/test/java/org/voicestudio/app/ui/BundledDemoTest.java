package org.voicestudio.app.ui;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.app.BundledModel;
import org.voicestudio.app.ui.model.ModelViewModel;
import org.voicestudio.inference.loading.ModelCard;
import org.voicestudio.inference.testing.DemoModels;
import org.voicestudio.voices.VoiceLibrary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The studio's first run with a bundled model installed: it is used in place (no random model is
 * made), named by its model card, and its bundled voices go into the user's library once. The
 * bundled folder here is a random-weight stand-in of the demo geometry.
 */
class BundledDemoTest {
    @TempDir static Path install;
    private static BundledModel bundled;

    @BeforeAll
    static void installStandIn() throws Exception {
        bundled = new BundledModel(install.resolve(BundledModel.RELATIVE));
        assertFalse(bundled.present());
        DemoModels.standIn(bundled.dir(), 9);
        DemoModels.addVoice(bundled.dir(), "es-lucia", "Lucía", "es", "Hola, me llamo Lucía.");
    }

    @Test
    void aBundledModelMarkedRandomIsUsedButCalledUntrained(@TempDir Path data) throws Exception {
        ModelViewModel.Demo d = Inference.demoMaker(bundled).ensure(data.resolve("models/cv3-tiny-random"));
        assertEquals(bundled.dir(), d.folder());
        assertFalse(d.trained());
        assertEquals(ModelViewModel.Demo.UNTRAINED, d.label());
        assertFalse(Files.exists(data.resolve("models")), "no random model is generated when one is bundled");
    }

    @Test
    void aTrainedBundledModelIsNamedByItsCardAndBringsItsVoices(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve(BundledModel.RELATIVE);
        copyTree(bundled.dir(), copy);
        Files.writeString(copy.resolve(ModelCard.FILE), "---\nname: Voice Studio demo (es, en)\n---\n# Demo\n");
        BundledModel trained = new BundledModel(copy);
        assertTrue(trained.trained());
        ModelViewModel.Demo d = Inference.demoMaker(trained).ensure(tmp.resolve("data/models/cv3-tiny-random"));
        assertTrue(d.trained());
        assertEquals("Voice Studio demo (es, en)", d.label());
        assertNull(Inference.voiceMakingProblem(copy), "the bundled folder has both encoders and a tokenizer");

        Path library = tmp.resolve("data/voices");
        StudioViewModel.Added added = Inference.addBundledVoices(copy, library);
        assertEquals("Added the bundled voices Lucía", added.message());
        assertEquals(List.of("Lucía"), added.made());
        assertEquals(List.of("Lucía"), new VoiceLibrary(library).list().voices().stream().map(v -> v.name()).toList());
        assertNull(Inference.addBundledVoices(copy, library).message(), "the second run has nothing to add");
        if (Inference.loader(() -> library).open(copy) instanceof AutoCloseable c) c.close(); // the studio's loader takes the folder
    }

    @Test
    void withoutABundledModelTheStudioMakesTheUntrainedOneAndSaysWhy(@TempDir Path tmp) throws Exception {
        BundledModel none = new BundledModel(tmp.resolve("nowhere/" + BundledModel.RELATIVE));
        ModelViewModel.Demo d = Inference.demoMaker(none).ensure(tmp.resolve("models/cv3-tiny-random"));
        assertEquals(tmp.resolve("models/cv3-tiny-random"), d.folder());
        assertFalse(d.trained());
        assertTrue(d.note().contains("the bundled model is not installed (no " + none.dir() + ")"), d.note());
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }
}
