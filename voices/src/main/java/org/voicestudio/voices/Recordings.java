package org.voicestudio.voices;

import org.voicestudio.inference.audio.WavIo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a reference recording: WAV ({@link WavIo}), FLAC or MP3, recognised by content, not by name. */
public final class Recordings {
    private Recordings() {}

    /** The decoded audio and the file as it is kept with the voice. */
    public record Loaded(DecodedRecording audio, SourceRecording source) {}

    public static Loaded read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "recording not found");
        }
        String name = file.getFileName().toString();
        DecodedRecording audio;
        if (bytes.length >= 12 && bytes[0] == 'R' && bytes[1] == 'I' && bytes[2] == 'F' && bytes[3] == 'F') {
            WavIo.Audio wav = WavIo.read(file);   // mixes to mono itself
            audio = new DecodedRecording(wav.sampleRate(), new float[][] {wav.samples()});
        } else if (CompressedAudio.isFlac(bytes)) {
            audio = CompressedAudio.flac(name, bytes);
        } else if (CompressedAudio.isMp3(bytes)) {
            audio = CompressedAudio.mp3(name, bytes);
        } else {
            throw new IOException(file + ": not a WAV, FLAC or MP3 file");
        }
        return new Loaded(audio, new SourceRecording(name, audio.sampleRate(), audio.seconds(), bytes));
    }
}
