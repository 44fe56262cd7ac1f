package org.voicestudio.app.cli;

import org.voicestudio.inference.frontend.LanguageRules;
import org.voicestudio.inference.frontend.PreparedText;
import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.Sentence;
import org.voicestudio.inference.frontend.TextFrontend;
import org.voicestudio.inference.frontend.TextNormalizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code studio text --lang es "..."}: what the text frontend makes of a text, with the pipeline's own code. */
@Command(name = "text", mixinStandardHelpOptions = true,
        description = "Show the text frontend's result: normalized text, sentence split and token ids (the same code synthesis uses).")
public final class TextCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--lang", required = true, paramLabel = "CODE", description = "language of the text (${COMPLETION-CANDIDATES})",
            completionCandidates = Languages.class)
    String lang;

    @Option(names = "--model", paramLabel = "DIR", description = "model folder whose CosyVoice-BlankEN tokenizer to use (default: $VOICESTUDIO_MODEL, else the bundled model)")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "a Qwen2 tokenizer folder (tokenizer.json, or vocab.json + merges.txt) instead of --model")
    Path tokenizerDir;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "the text (several arguments are joined with spaces)")
    List<String> words;

    /** Languages with a rule table, for the help text. */
    static final class Languages implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() { return LanguageRules.available().iterator(); }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String text = String.join(" ", words);
        TextNormalizer normalizer = TextNormalizer.forLanguage(lang);
        out.println("language:   " + lang + " (" + normalizer.rules().name() + ")");
        Path tokDir = tokenizerDir != null ? tokenizerDir : modelDir().map(m -> m.resolve(QwenTokenizer.FOLDER)).orElse(null);
        if (tokDir == null) {
            out.println("normalized: " + normalizer.normalize(text));
            out.println("(sentences and token ids need the tokenizer: pass --model DIR or --tokenizer DIR, or set VOICESTUDIO_MODEL)");
            out.flush();
            return 0;
        }
        try (QwenTokenizer tokenizer = QwenTokenizer.load(tokDir)) {
            PreparedText p = new TextFrontend(tokenizer, normalizer).prepare(text);
            out.println("normalized: " + p.normalized());
            out.println("sentences:  " + p.sentences().size() + (p.split() ? "" : " (not split: the text carries special tokens)"));
            int i = 1;
            for (Sentence s : p.sentences()) {
                out.printf("  [%d] %d tokens  \"%s\"%n", i++, s.tokenCount(), s.text());
                out.println("      ids: " + Arrays.stream(s.tokenIds()).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
            }
        }
        out.flush();
        return 0;
    }

    private java.util.Optional<Path> modelDir() {
        return model != null ? java.util.Optional.of(model) : org.voicestudio.app.BundledModel.defaultModel();
    }
}
