package org.voicestudio.app.cli;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.testing.Golden;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class BenchCommandTest {

    @Test
    void benchOnTheTinyModelReportsEveryStage() {
        Cli.Run r = Cli.studio("bench", "--model", Golden.tinyModel().toString(), "--tokens", "60", "--repeats", "1", "--warmup", "0",
                "--prompt-tokens", "12", "--text-tokens", "5", "--stream");
        assertEquals(0, r.exit(), r.out() + r.err());
        for (String stage : new String[] {"LLM", "Flow", "Vocoder"}) {
            Matcher m = Pattern.compile("(?m)^\\s+" + stage + "\\s+RTF\\s+([0-9.]+)").matcher(r.out());
            assertTrue(m.find(), stage + " line in:\n" + r.out());
            assertTrue(Double.parseDouble(m.group(1)) > 0, stage + " RTF positive");
        }
        // P = 12, 60 tokens: chunks at 41 and 91 tokens -> one streaming chunk and the final call
        assertTrue(r.out().contains("Flow     RTF") && r.out().contains("2 call(s)"), r.out());
    }

    @Test
    void medianOfMeasuredRunsSkipsMissingValues() {
        List<double[]> runs = List.of(new double[] {3, Double.NaN}, new double[] {1, Double.NaN}, new double[] {2, Double.NaN}, new double[] {10, 4});
        assertEquals(2.5, BenchCommand.median(runs, 0));
        assertEquals(4, BenchCommand.median(runs, 1));
        assertTrue(Double.isNaN(BenchCommand.median(List.of(new double[] {Double.NaN}), 0)));
    }
}
