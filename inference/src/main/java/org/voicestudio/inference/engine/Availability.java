package org.voicestudio.inference.engine;

/** Whether an engine can run on this machine, and if not, why (shown to the user as is). */
public record Availability(boolean available, String reason) {
    public static Availability yes(String detail) { return new Availability(true, detail); }
    public static Availability no(String reason) { return new Availability(false, reason); }
}
