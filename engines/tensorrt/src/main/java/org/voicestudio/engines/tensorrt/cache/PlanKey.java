package org.voicestudio.engines.tensorrt.cache;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

/**
 * What a serialized TensorRT engine depends on: a plan is only valid for the GPU model and compute capability,
 * the TensorRT version, the weights and the build options it was built with (plus the plan itself, by name).
 *
 * @param planName          e.g. dit-fp16-streaming
 * @param gpuName           e.g. "NVIDIA H200"
 * @param computeCapability e.g. "9.0"
 * @param tensorRtVersion   e.g. "10.15.1"
 * @param weightsHash       {@link WeightsHash} of the tensors the plan uses
 */
public record PlanKey(String planName, String gpuName, String computeCapability, String tensorRtVersion, String weightsHash,
                      BuildOptions options) {

    public PlanKey {
        for (String[] f : new String[][] {{"plan name", planName}, {"GPU name", gpuName}, {"compute capability", computeCapability},
                {"TensorRT version", tensorRtVersion}, {"weights hash", weightsHash}}) {
            if (f[1] == null || f[1].isBlank()) throw new IllegalArgumentException("plan cache key needs a " + f[0]);
        }
    }

    /** Every field, one per line: written beside the plan and compared on load. */
    public String canonical() {
        return "plan=" + planName + "\ngpu=" + gpuName + "\ncompute_capability=" + computeCapability + "\ntensorrt=" + tensorRtVersion
                + "\nweights_sha256=" + weightsHash + "\noptions=" + options.canonical() + "\n";
    }

    /** First 16 hex digits of SHA-256 over {@link #canonical()}. */
    public String digest() {
        byte[] d = WeightsHash.sha256().digest(canonical().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d).substring(0, 16);
    }

    /** Folder-name-safe GPU id: "nvidia-h200-sm90". */
    public String gpuFolder() {
        String g = gpuName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return g + "-sm" + computeCapability.replace(".", "");
    }
}
