package org.voicestudio.app.ui.audio;

import org.junit.jupiter.api.Test;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.SourceDataLine;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlayerTest {
    /** A line that records what it is given and plays it instantly (nothing queued). */
    static final class RecordingLine {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        final SourceDataLine line;

        RecordingLine(AudioFormat format) {
            line = (SourceDataLine) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SourceDataLine.class},
                    (proxy, m, args) -> switch (m.getName()) {
                        case "write" -> {
                            synchronized (written) { written.write((byte[]) args[0], (int) args[1], (int) args[2]); }
                            yield args[2];
                        }
                        case "getFormat" -> format;
                        case "getBufferSize", "available" -> 4096;
                        case "isOpen", "isActive", "isRunning" -> true;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "recording line";
                        default -> null; // start, stop, flush, drain, close
                    });
        }

        short[] samples() {
            byte[] b;
            synchronized (written) { b = written.toByteArray(); }
            short[] s = new short[b.length / 2];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
            return s;
        }
    }

    @Test
    void streamsAGrowingBufferFromItsFirstChunkToItsEnd() throws Exception {
        RecordingLine[] rec = new RecordingLine[1];
        try (Player p = new Player(f -> (rec[0] = new RecordingLine(f)).line)) {
            AudioBuffer b = new AudioBuffer(24000);
            p.setSource(b);
            p.play();
            float[] chunk = new float[3000];
            for (int c = 0; c < 3; c++) {
                java.util.Arrays.fill(chunk, (c + 1) / 10f);
                b.append(chunk);
                Thread.sleep(30);
            }
            b.complete();
            long end = System.currentTimeMillis() + 5000;
            while (p.isPlaying() && System.currentTimeMillis() < end) Thread.sleep(10);
            assertFalse(p.isPlaying(), "playback stops at the end of a complete buffer");
            short[] s = rec[0].samples();
            assertEquals(9000, s.length);
            assertEquals(Math.round(0.1f * 32767), s[0]);
            assertEquals(Math.round(0.3f * 32767), s[8999]);
            assertEquals(9000 / 24000.0, p.positionSeconds(), 1e-9);
        }
    }

    @Test
    void switchingSourcesKeepsThePlayhead() {
        try (Player p = new Player(f -> { throw new LineUnavailableException("test: no device"); })) {
            AudioBuffer a = AudioBuffer.of(new float[48000], 24000), b = AudioBuffer.of(new float[48000], 24000);
            p.setSource(a);
            p.seek(1.25);
            p.setSource(b);
            assertEquals(b, p.source());
            assertEquals(1.25, p.positionSeconds(), 1e-9);
        }
    }

    @Test
    void withoutADeviceItSaysSoAndStaysUsable() {
        try (Player p = new Player(f -> { throw new IllegalArgumentException("No line matching interface SourceDataLine"); })) {
            assertTrue(p.probe(24000).orElseThrow().contains("Playback is off; export still works"));
            p.setSource(AudioBuffer.of(new float[2400], 24000));
            p.play();
            long end = System.currentTimeMillis() + 2000;
            while (p.isPlaying() && System.currentTimeMillis() < end) Thread.onSpinWait();
            assertFalse(p.isPlaying());
            p.seek(0.05);
            assertEquals(0.05, p.positionSeconds(), 1e-9);
        }
    }
}
