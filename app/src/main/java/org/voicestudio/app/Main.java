package org.voicestudio.app;

import org.voicestudio.app.cli.StudioCommand;
import picocli.CommandLine;

/**
 * Entry point of {@code ./studio}: no arguments open the studio window, anything else is the
 * command line.
 */
public final class Main {
    private Main() {}

    /** On Linux, JavaFX needs an X11 or Wayland display; say so instead of a toolkit stack trace. */
    private static boolean noDisplay() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return false;
        if (System.getProperty("glass.platform") != null) return false; // e.g. Monocle's headless platform
        return isBlank(System.getenv("DISPLAY")) && isBlank(System.getenv("WAYLAND_DISPLAY"));
    }

    private static boolean isBlank(String s) { return s == null || s.isBlank(); }

    public static void main(String[] args) {
        if (args.length == 0) {
            if (noDisplay()) {
                System.err.println("The studio window needs a desktop session, and none was found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                        + "Run it from a desktop, or under a virtual display: xvfb-run ./studio\n"
                        + "Everything also works from the command line: ./studio --help");
                System.exit(1);
            }
            org.voicestudio.app.ui.StudioApp.launchWindow(args);
            return;
        }
        System.exit(StudioCommand.commandLine().execute(args));
    }
}
