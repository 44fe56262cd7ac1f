package org.voicestudio.app.cli;

import org.voicestudio.inference.engine.Stage;
import org.voicestudio.inference.metrics.StageMetrics;
import org.voicestudio.inference.metrics.SynthesisMetrics;

import java.io.PrintWriter;
import java.util.Map;

/** Prints a synthesis's per-stage metrics as a small table. */
final class MetricsTable {
    private MetricsTable() {}

    static void print(PrintWriter out, SynthesisMetrics m, Map<Stage, String> engines) {
        out.printf("%-8s %-6s %6s %9s %9s %7s%n", "stage", "engine", "chunks", "busy s", "audio s", "RTF");
        for (Stage stage : Stage.values()) {
            StageMetrics s = m.stages().get(stage);
            if (s == null) continue;
            out.printf("%-8s %-6s %6d %9.3f %9.3f %7.3f", stage.label(), engines.getOrDefault(stage, "?"), s.chunks(), s.busySeconds(),
                    s.audioSeconds(), s.rtf());
            if (stage == Stage.LLM) out.printf("   %d tokens, %.1f tokens/s, %.2f ms/token", s.items(), s.itemsPerSecond(), s.millisPerItem());
            out.println();
        }
        out.printf("end-to-end: wall %.3f s, audio %.3f s, RTF %.3f, first audio after %.3f s%n",
                m.wallSeconds(), m.audioSeconds(), m.endToEndRtf(), m.firstAudioSeconds());
        out.flush();
    }
}
