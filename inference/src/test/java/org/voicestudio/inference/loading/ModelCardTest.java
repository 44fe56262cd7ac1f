package org.voicestudio.inference.loading;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ModelCardTest {
    @Test
    void frontMatterNamesTheModelAndMarksRandomWeights() {
        ModelCard trained = ModelCard.parse("""
                ---
                name: "Voice Studio demo (es, en)"
                languages: es, en
                ---
                # Something else
                """, "folder");
        assertEquals("Voice Studio demo (es, en)", trained.name());
        assertTrue(trained.trained());
        assertEquals("es, en", trained.frontMatter().get("languages"));

        ModelCard random = ModelCard.parse("---\nweights: random\n---\n# Random folder\n", "folder");
        assertFalse(random.trained());
        assertEquals("Random folder", random.name(), "the first heading names it when the front matter does not");
    }

    @Test
    void aCardWithoutFrontMatterIsATrainedModelNamedByItsHeadingOrFolder() {
        ModelCard c = ModelCard.parse("Intro line\n# Demo model\ntext\n", "cosyvoice3-demo");
        assertTrue(c.trained());
        assertEquals("Demo model", c.name());
        assertEquals("cosyvoice3-demo", ModelCard.parse("no heading\n", "cosyvoice3-demo").name());
    }
}
