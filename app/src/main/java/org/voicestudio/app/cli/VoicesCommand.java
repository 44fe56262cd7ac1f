package org.voicestudio.app.cli;

import org.voicestudio.inference.frontend.QwenTokenizer;
import org.voicestudio.inference.frontend.SpecialTokens;
import org.voicestudio.engines.onnxruntime.CampPlusEncoder;
import org.voicestudio.engines.onnxruntime.S3SpeechTokenizer;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.voices.RecordingCheck;
import org.voicestudio.voices.Recordings;
import org.voicestudio.voices.Spk2Info;
import org.voicestudio.voices.VoiceCreator;
import org.voicestudio.voices.VoiceLibrary;
import org.voicestudio.voices.VoiceProfile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code studio voices list|add|import|export|remove}: the voice library. */
@Command(name = "voices", mixinStandardHelpOptions = true,
        description = "Manage the voice library: list, create from a recording, import/export CosyVoice spk2info.pt, remove.",
        subcommands = {VoicesCommand.ListVoices.class, VoicesCommand.Add.class, VoicesCommand.Import.class, VoicesCommand.Export.class, VoicesCommand.Remove.class})
public final class VoicesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--library", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "voice library folder (default: $VOICESTUDIO_HOME/voices or ~/.local/share/voicestudio/voices)")
    Path library;

    @Override
    public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    VoiceLibrary library() { return library != null ? new VoiceLibrary(library) : VoiceLibrary.userLibrary(); }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the voices; unreadable files are reported and skipped.")
    static final class ListVoices implements Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand VoicesCommand parent;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            VoiceLibrary lib = parent.library();
            VoiceLibrary.Listing listing = lib.list();
            if (listing.voices().isEmpty()) out.println("no voices in " + lib.dir());
            for (VoiceProfile v : listing.voices()) {
                out.printf(Locale.ROOT, "%-24s %-3s %5.1f s  %s%s%n", v.name(), v.language().isEmpty() ? "?" : v.language(), v.promptSeconds(),
                        abbreviate(v.transcript()), v.source().map(s -> "  [" + s.fileName() + "]").orElse(""));
            }
            PrintWriter err = spec.commandLine().getErr();
            for (VoiceLibrary.Problem p : listing.problems()) err.println("warning: skipped " + p.file().getFileName() + ": " + p.message());
            out.flush();
            err.flush();
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Create a voice from a 3-30 s recording (WAV, FLAC or MP3, at least 16 kHz) and its transcript.")
    static final class Add implements Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand VoicesCommand parent;
        @Option(names = "--wav", required = true, paramLabel = "FILE", description = "the recording (WAV, FLAC or MP3)") Path recording;
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "what is said in the recording, word for word") String transcript;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "name of the new voice") String name;
        @Option(names = "--lang", defaultValue = "", paramLabel = "CODE", description = "language of the recording (e.g. es, en)") String lang;
        @Option(names = "--model", paramLabel = "DIR", description = "CosyVoice3 model folder: campplus.onnx, speech_tokenizer_v3.onnx, cosyvoice3.yaml, CosyVoice-BlankEN (default: $VOICESTUDIO_MODEL, else the bundled model)") Path model;
        @Option(names = "--tokenizer", paramLabel = "DIR", description = "text tokenizer folder instead of the model's CosyVoice-BlankEN") Path tokenizerDir;
        @Option(names = "--replace", description = "replace a voice of the same name") boolean replace;

        @Override
        public Integer call() throws Exception {
            Path dir = model != null ? model : org.voicestudio.app.BundledModel.requireDefaultModel("--model");
            VoiceLibrary lib = parent.library();
            if (!replace && lib.get(name).isPresent()) throw new IllegalArgumentException("a voice named '" + name + "' already exists (use --replace)");
            Recordings.Loaded rec = Recordings.read(recording);
            try (QwenTokenizer tok = QwenTokenizer.load(tokenizerDir != null ? tokenizerDir : dir.resolve(QwenTokenizer.FOLDER));
                 CampPlusEncoder encoder = CampPlusEncoder.forModel(dir);
                 S3SpeechTokenizer speech = S3SpeechTokenizer.forModel(dir)) {
                VoiceCreator creator = new VoiceCreator(ModelConfigReader.read(dir).featExtractor(), encoder, speech, tok::encode, RecordingCheck.DEFAULT);
                VoiceCreator.Result r = creator.create(name, lang, transcript, rec);
                for (String w : r.warnings()) spec.commandLine().getErr().println("warning: " + w);
                lib.save(r.voice(), replace);
                spec.commandLine().getOut().printf(Locale.ROOT, "added %s: %.1f s of prompt speech (%d tokens) from %s%n",
                        r.voice().name(), r.voice().promptSeconds(), r.voice().promptSpeechTokens().length, rec.source().fileName());
            } catch (RecordingCheck.BadRecordingException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().flush();
            return 0;
        }


    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import the speakers of a CosyVoice spk2info.pt (as add_zero_shot_spk/save_spkinfo write it) into the library.")
    static final class Import implements Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand VoicesCommand parent;
        @Parameters(paramLabel = "FILE", description = "the spk2info.pt") Path file;
        @Option(names = "--model", paramLabel = "DIR", description = "model folder whose tokenizer recovers the transcripts (optional)") Path model;
        @Option(names = "--tokenizer", paramLabel = "DIR", description = "text tokenizer folder instead of the model's CosyVoice-BlankEN") Path tokenizerDir;
        @Option(names = "--lang", paramLabel = "CODE", description = "language of the imported voices (default: unknown)") String lang;
        @Option(names = "--replace", description = "replace voices of the same name") boolean replace;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<VoiceProfile> voices;
            if (model != null || tokenizerDir != null) {
                try (QwenTokenizer tok = tokenizerDir != null ? QwenTokenizer.load(tokenizerDir) : QwenTokenizer.forModel(model)) {
                    int eop = tok.specialId(SpecialTokens.END_OF_PROMPT).orElse(-1);
                    voices = Spk2Info.read(file, ids -> {
                        int from = 0;
                        for (int i = 0; i < ids.length; i++) if (ids[i] == eop) from = i + 1;
                        return tok.decode(java.util.Arrays.copyOfRange(ids, from, ids.length)).strip();
                    });
                }
            } else {
                voices = Spk2Info.read(file, null);
            }
            VoiceLibrary lib = parent.library();
            if (!replace) {
                for (VoiceProfile v : voices) {
                    if (lib.get(v.name()).isPresent()) throw new IllegalArgumentException("a voice named '" + v.name() + "' already exists; nothing imported (use --replace)");
                }
            }
            for (VoiceProfile v : voices) {
                VoiceProfile withLang = lang == null ? v : new VoiceProfile(v.name(), lang, v.transcript(), v.promptTextIds(), v.promptSpeechTokens(),
                        v.promptMel(), v.embedding(), v.source());
                lib.save(withLang, replace);
                out.printf(Locale.ROOT, "imported %s (%.1f s of prompt speech)%n", v.name(), v.promptSeconds());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Export voices as a CosyVoice spk2info.pt that the official code loads.")
    static final class Export implements Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand VoicesCommand parent;
        @Parameters(arity = "1..*", paramLabel = "NAME") List<String> names;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "the spk2info.pt to write") Path outFile;

        @Override
        public Integer call() throws Exception {
            VoiceLibrary lib = parent.library();
            List<VoiceProfile> voices = new java.util.ArrayList<>();
            for (String n : names) {
                voices.add(lib.get(n).orElseThrow(() -> new IllegalArgumentException("no voice named '" + n + "' in " + lib.dir())));
            }
            Spk2Info.write(outFile, voices);
            spec.commandLine().getOut().println("wrote " + voices.size() + " voice(s) to " + outFile);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove voices from the library.")
    static final class Remove implements Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand VoicesCommand parent;
        @Parameters(arity = "1..*", paramLabel = "NAME") List<String> names;

        @Override
        public Integer call() throws Exception {
            VoiceLibrary lib = parent.library();
            for (String n : names) {
                lib.remove(n);
                spec.commandLine().getOut().println("removed " + n);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() <= 50 ? one : one.substring(0, 47) + "...";
    }
}
