import org.voicestudio.engines.onnxruntime.CampPlusEncoder;
import org.voicestudio.engines.onnxruntime.S3SpeechTokenizer;
import org.voicestudio.inference.audio.KaldiFbank;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.audio.WavIo;
import org.voicestudio.inference.audio.WhisperLogMel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Java side of the frontend check of tools/train/check_frontend.py: loads a prompt wav the
 * way the pipeline does (16 kHz), runs the model folder's speech_tokenizer_v3.onnx and
 * campplus.onnx through the ONNX Runtime engine classes, prints "tokens ..." and "embedding ...".
 *
 *   java -cp CLASSPATH tools/train/CheckOnnxFrontend.java MODEL_DIR PROMPT.wav
 */
public final class CheckOnnxFrontend {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        float[] wave16 = WavIo.load(Path.of(args[1]), 16000);
        Mel logMel = new WhisperLogMel(128).forward(wave16);
        KaldiFbank fbank = new KaldiFbank(16000, 80);
        try (S3SpeechTokenizer tok = S3SpeechTokenizer.forModel(model); CampPlusEncoder enc = CampPlusEncoder.forModel(model)) {
            int[] tokens = tok.tokenize(logMel.data(), logMel.frames());
            float[] emb = enc.embed(fbank.meanNormalized(wave16), fbank.frames(wave16.length));
            System.out.println("tokens " + Arrays.stream(tokens).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
            StringBuilder sb = new StringBuilder("embedding");
            for (float v : emb) sb.append(' ').append(v);
            System.out.println(sb);
        }
    }
}
