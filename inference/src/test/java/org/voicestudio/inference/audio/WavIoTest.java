package org.voicestudio.inference.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class WavIoTest {
    /** One int16 step: the file holds trunc(x * 2^15). */
    private static final double PCM16_TOL = 1.0 / 32768;
    /** load_wav resampling: float64 accumulation vs torchaudio's float32 conv1d (see ResamplerTest). */
    private static final double RESAMPLE_TOL = 1e-6;

    @Test
    void readsTheOfficialToken2wavPcmFile() throws IOException {
        WavIo.Audio audio = WavIo.read(Golden.tinyModel().resolve("token2wav.wav"));
        assertEquals(24000, audio.sampleRate());
        AudioAssert.assertClose(Golden.tensor("e2e_ns_wave").toFloats(), audio.samples(), PCM16_TOL, "token2wav.wav");
    }

    @Test
    void pcm16WriteIsTheOfficialTruncationAndReadsBack(@TempDir Path dir) throws IOException {
        float[] x = {0f, 0.5f, -0.5f, 0.99f, -0.99f, 1e-5f, -1e-5f};
        Path file = dir.resolve("a.wav");
        WavIo.writePcm16(file, 24000, x);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(44 + 2 * x.length, b.limit());
        for (int i = 0; i < x.length; i++) assertEquals((short) (x[i] * 32768f), b.getShort(44 + 2 * i), "sample " + i);
        WavIo.Audio back = WavIo.read(file);
        assertEquals(24000, back.sampleRate());
        AudioAssert.assertClose(x, back.samples(), PCM16_TOL, "round trip");
    }

    @Test
    void floatWavRoundTripsExactly(@TempDir Path dir) throws IOException {
        float[] x = Golden.tensor("fe_wave_24k").toFloats();
        Path file = dir.resolve("f.wav");
        WavIo.writeFloat(file, 24000, x);
        assertArrayEquals(x, WavIo.read(file).samples());
    }

    @Test
    void loadWavResamplesLikeTheFrontend(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prompt.wav");
        WavIo.writeFloat(file, 24000, Golden.tensor("fe_wave_24k").toFloats());
        AudioAssert.assertClose(Golden.tensor("fe_wave_16k").toFloats(), WavIo.load(file, 16000), RESAMPLE_TOL, "load_wav(path, 16000)");
        assertArrayEquals(Golden.tensor("fe_wave_24k").toFloats(), WavIo.load(file, 24000));
        WavIo.writeFloat(file, 8000, new float[800]);
        var e = assertThrows(IOException.class, () -> WavIo.load(file, 16000));
        assertTrue(e.getMessage().contains("8000 Hz"), e.getMessage());
    }

    @Test
    void stereoIsMixedToMonoByTheMean(@TempDir Path dir) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 16384).putShort((short) 0).putShort((short) -32768).putShort((short) 16384);
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x46464952).putInt(36 + 8).putInt(0x45564157).putInt(0x20746d66).putInt(16)
                .putShort((short) 1).putShort((short) 2).putInt(16000).putInt(16000 * 4).putShort((short) 4).putShort((short) 16)
                .putInt(0x61746164).putInt(8);
        Path file = dir.resolve("s.wav");
        Files.write(file, concat(h.array(), data.array()));
        WavIo.Audio a = WavIo.read(file);
        assertEquals(16000, a.sampleRate());
        assertArrayEquals(new float[] {0.25f, -0.25f}, a.samples());
    }

    @Test
    void nonWavInputIsAClearError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.wav");
        Files.writeString(file, "not audio at all");
        var e = assertThrows(IOException.class, () -> WavIo.read(file));
        assertTrue(e.getMessage().contains("not a RIFF/WAVE file"), e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
