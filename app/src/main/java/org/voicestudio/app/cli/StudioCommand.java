package org.voicestudio.app.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root of the command line. Each subcommand is its own class, registered here. */
@Command(name = "studio",
        mixinStandardHelpOptions = true,
        version = "Voice Studio 0.1.0",
        description = "Local CosyVoice3 speech synthesis. Run without arguments to open the studio window.",
        subcommands = {
                CommandLine.HelpCommand.class,
                ModelCommand.class,
                TextCommand.class,
                VoicesCommand.class,
                SynthCommand.class,
                BenchCommand.class,
                ParityCommand.class,
                ExportCommand.class,
                DoctorCommand.class,
                ServeCommand.class,
        })
public final class StudioCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new StudioCommand());
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            // a user-facing error: the message, not a stack trace (set VOICESTUDIO_DEBUG=1 for one)
            if (System.getenv("VOICESTUDIO_DEBUG") != null) ex.printStackTrace();
            line.getErr().println("error: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            return 2;
        });
        return cl;
    }
}
