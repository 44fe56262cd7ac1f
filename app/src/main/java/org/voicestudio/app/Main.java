package org.voicestudio.app;

import org.voicestudio.app.cli.StudioCommand;
import picocli.CommandLine;

/**
 * Entry point of {@code ./studio}: no arguments open the studio window, anything else is the
 * command line.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            org.voicestudio.app.ui.StudioApp.launchWindow(args);
            return;
        }
        System.exit(StudioCommand.commandLine().execute(args));
    }
}
