import org.voicestudio.inference.frontend.PreparedText;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.Sentence;
import org.voicestudio.inference.frontend.TextFrontend;
import org.voicestudio.inference.frontend.TextNormalizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Java side of the text-id check of tools/train/text.py: for each line "lang TAB transcript
 * TAB text" of the input file, prints the prompt text ids the pipeline builds for a zero-shot
 * voice with that transcript, then the ids of each sentence of the text, with the pipeline's own
 * classes (TextFrontend, QwenTokenizer). text.py check compares them with the Python mirror.
 *
 *   java -cp INFERENCE_CLASSPATH tools/train/CheckTextIds.java TOKENIZER_DIR LINES.tsv
 */
public final class CheckTextIds {
    public static void main(String[] args) throws Exception {
        try (QwenTokenizer tok = QwenTokenizer.load(Path.of(args[0]))) {
            StringBuilder out = new StringBuilder();
            for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                TextFrontend fe = new TextFrontend(tok, TextNormalizer.forLanguage(f[0]));
                out.append("P ").append(join(fe.promptTextIds(f[1].strip()))).append('\n');
                PreparedText p = fe.prepare(f[2]);
                for (Sentence s : p.sentences()) out.append("S ").append(join(s.tokenIds())).append('\n');
                out.append("--\n");
            }
            System.out.print(out);
        }
    }

    private static String join(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
