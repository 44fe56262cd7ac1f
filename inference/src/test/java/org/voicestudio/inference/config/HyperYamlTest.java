package org.voicestudio.inference.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class HyperYamlTest {
    private static final String DOC = """
            __set_seed1: !apply:random.seed [1986]
            chunk_size: 25
            token_mel_ratio: 2
            out_dir: results
            fmax: null
            sigma: 1e-06
            flag: True
            model: !new:pkg.Model
                width: !ref <chunk_size>
                frames: !ref <chunk_size> * <token_mel_ratio>
                padded: !ref (<chunk_size> + 1) * <token_mel_ratio> // 4
                half: !ref <chunk_size> / <token_mel_ratio>
                save: !ref <out_dir>/ckpt
                sub: !name:pkg.fn
                    k: [3, 7, 11]
                    d: [[1, 3], [5]]
            pipeline: [!ref <model>]
            """;

    @Test
    void tagsAreDataAndReferencesResolve() throws Exception {
        HyperYaml y = HyperYaml.parse(DOC, "test.yaml");
        assertEquals(new HyperYaml.Tagged("apply", "random.seed", List.of(1986L)), y.get("__set_seed1"), "!apply is recorded, never run");
        assertEquals("pkg.Model", y.classAt("model"));
        assertEquals("pkg.fn", y.classAt("model.sub"));
        assertEquals(25, y.intAt("model.width"));
        assertEquals(50, y.intAt("model.frames"));
        assertEquals(13, y.intAt("model.padded"));
        assertEquals(12.5, y.doubleAt("model.half"), 0.0, "Python 3 true division");
        assertEquals("results/ckpt", y.stringAt("model.save"));
        assertArrayEquals(new int[] {3, 7, 11}, y.intsAt("model.sub.k"));
        assertArrayEquals(new int[][] {{1, 3}, {5}}, y.intListsAt("model.sub.d"));
        assertNull(y.nullableDoubleAt("fmax"));
        assertEquals(1e-6, y.doubleAt("sigma"), 0.0);
        assertTrue(y.booleanAt("flag"));
        assertEquals("pkg.Model", y.classAt("pipeline.0"), "a !ref to an object gives that object");
        assertTrue(y.get("model") instanceof HyperYaml.Tagged t && t.args() instanceof Map<?, ?>);
    }

    @Test
    void missingValuesAndBadReferencesAreNamed() throws Exception {
        HyperYaml y = HyperYaml.parse(DOC + "bad: !ref <nowhere>\nloop: !ref <loop>\n", "test.yaml");
        assertEquals("test.yaml: model.depth is missing", assertThrows(ConfigException.class, () -> y.intAt("model.depth")).getMessage());
        assertEquals("test.yaml: bad refers to <nowhere>, which is missing",
                assertThrows(ConfigException.class, () -> y.get("bad")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> y.get("loop")).getMessage().contains("refers to itself"));
        assertEquals("test.yaml: out_dir is 'results', expected an integer",
                assertThrows(ConfigException.class, () -> y.intAt("out_dir")).getMessage());
        assertFalse(y.has("model.depth"));
        assertTrue(y.has("model.width"));
    }

    @Test
    void unknownTagsAndBrokenYamlAreRejected() {
        assertTrue(assertThrows(ConfigException.class, () -> HyperYaml.parse("x: !python/object:os.system ls\n", "t.yaml"))
                .getMessage().contains("unknown HyperPyYAML tag"));
        assertTrue(assertThrows(ConfigException.class, () -> HyperYaml.parse("a: [1, 2\n", "t.yaml"))
                .getMessage().startsWith("t.yaml: not valid YAML"));
        assertTrue(assertThrows(ConfigException.class, () -> HyperYaml.parse("a: 1\na: 2\n", "t.yaml"))
                .getMessage().startsWith("t.yaml: not valid YAML"), "duplicate keys");
    }
}
