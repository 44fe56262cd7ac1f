package org.voicestudio.engines.cuda;

import org.voicestudio.inference.engine.Availability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The one skip condition of the GPU tests: no usable CUDA device on this machine (CI). */
public final class CudaTesting {
    private CudaTesting() {}

    public static void assumeCudaDevice() {
        Availability availability = CudaProbe.probe();
        assumeTrue(availability.available(), availability::reason);
    }
}
