package org.voicestudio.engines.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * A raw address (device memory, or host memory that JavaCPP did not allocate) handed to a
 * JavaCPP call. It owns nothing: never deallocated by JavaCPP.
 */
public final class DevicePointer extends Pointer {
    public DevicePointer(long address) {
        this.address = address;
    }
}
