package org.voicestudio.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The parity command on the LLM tensors (the flow, vocoder and token2wav tensors are checked by
 * the DJL engine's golden tests; a full {@code studio parity} run takes about a minute here).
 */
class ParityCommandTest {

    private static Cli.Run parity(Path golden, String only) {
        return Cli.studio("parity", "--model", Golden.tinyModel().toString(), "--golden", golden.toString(), "--only", only);
    }

    @Test
    void llmTensorsOfTheTinyFixtureAreWithinTolerance() {
        Cli.Run r = parity(Golden.tinyModel().resolve("golden.safetensors"), "llm_");
        assertEquals(0, r.exit(), r.out() + r.err());
        for (String name : new String[] {"llm_prefill_logp", "llm_step_logp"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.endsWith("OK")), name + " checked:\n" + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("llm_text ") && l.endsWith("input")), r.out());
    }

    @Test
    void promptFeaturesOfTheTinyFixtureAreWithinTolerance() {
        Cli.Run r = parity(Golden.tinyModel().resolve("golden.safetensors"), "fe_");
        assertEquals(0, r.exit(), r.out() + r.err());
        for (String name : new String[] {"fe_wave_16k", "fe_mel_24k", "fe_fbank_raw", "fe_whisper_logmel", "fe_campplus_embedding", "fe_speech_tokens"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.endsWith("OK")), name + " checked:\n" + r.out());
        }
    }

    @Test
    void aReferenceThatDisagreesFailsWithExitCodeOne(@TempDir Path dir) throws Exception {
        // a fixture of the same form, holding only the LLM tensors, one of them off by 1e-3
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (String n : new String[] {"llm_prompt_text", "llm_text", "llm_prompt_speech_token", "llm_teacher_tokens", "llm_prefill_logp"}) {
            t.put(n, Golden.tensor(n));
        }
        Tensor steps = Golden.tensor("llm_step_logp");
        float[] off = steps.toFloats();
        off[7] += 1e-3f;
        t.put("llm_step_logp", Tensor.ofFloats(off, steps.shape()));
        Path golden = dir.resolve("golden.safetensors");
        SafeTensors.write(golden, t, Map.of());

        Cli.Run r = parity(golden, "llm_");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("llm_step_logp ") && l.endsWith("FAIL")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("llm_prefill_logp ") && l.endsWith("OK")), r.out());
    }

    @Test
    void inputsAreReadFromGoldenMd() throws Exception {
        Set<String> inputs = ParityCommand.inputsListedIn(Golden.tinyModel().resolve("golden.md"));
        assertTrue(inputs.containsAll(Set.of("flow_token", "flow_prompt_token", "llm_text", "hift_rand_mel", "flow_rand_noise", "hift_sine_noise")),
                inputs.toString());
        assertFalse(inputs.contains("flow_ns_mel"));
    }
}
