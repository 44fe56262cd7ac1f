package org.voicestudio.engines.tensorrt.cache;

import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SequencedCollection;

/**
 * SHA-256 over exactly the checkpoint tensors a plan bakes in: for each key in plan order its name, dtype,
 * shape and raw little-endian bytes. Re-exporting a checkpoint with other tensors, or another file layout,
 * keeps the hash; changing one weight changes it.
 */
public final class WeightsHash {
    private static final int BLOCK = 1 << 20;

    private WeightsHash() {}

    public static String of(StateDict weights, SequencedCollection<String> keys) {
        MessageDigest sha = sha256();
        byte[] buf = new byte[BLOCK];
        for (String key : keys) {
            Tensor t = weights.get(key);
            sha.update((key + "\0" + t.dtype() + "\0" + Arrays.toString(t.shape()) + "\0").getBytes(StandardCharsets.UTF_8));
            MemorySegment data = t.data();
            for (long off = 0; off < data.byteSize(); off += BLOCK) {
                int n = (int) Math.min(BLOCK, data.byteSize() - off);
                MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_BYTE, off, buf, 0, n);
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
