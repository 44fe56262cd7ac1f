package org.voicestudio.app.cli;

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
        subcommands = {VoicesCommand.ListVoices.class, VoicesCommand.Remove.class})
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
