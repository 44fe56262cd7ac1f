package org.voicestudio.inference.loading;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The entries of a zip archive that is memory-mapped as a whole. PyTorch writes its checkpoints
 * as zip files with STORED (uncompressed) entries, so an entry is a plain view into the mapping;
 * DEFLATED entries (a zip re-packed by another tool) are inflated onto the heap. Every entry's
 * CRC-32 is checked when it is first opened, so a flipped bit is reported rather than loaded.
 */
final class ZipIndex {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Entry(String name, int method, long crc, long compressedSize, long size, long localHeaderOffset) {}

    private final Path file;
    private final MemorySegment all;
    private final Arena arena;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, MemorySegment> opened = new LinkedHashMap<>();

    ZipIndex(Path file, MemorySegment all, Arena arena) throws IOException {
        this.file = file;
        this.all = all;
        this.arena = arena;
        readCentralDirectory();
    }

    Map<String, Entry> entries() { return entries; }

    private int u16(long at) { return all.get(U16, at) & 0xffff; }
    private long u32(long at) { return all.get(U32, at) & 0xffffffffL; }

    private IOException corrupt(String what) {
        return new IOException(file + ": not a valid checkpoint archive (" + what + ")");
    }

    private void readCentralDirectory() throws IOException {
        long size = all.byteSize();
        if (size < 22) throw corrupt("file too short for a zip archive: " + size + " bytes");
        long eocd = -1;
        for (long p = size - 22; p >= Math.max(0, size - 22 - 65535); p--) {
            if (u32(p) == 0x06054b50L) { eocd = p; break; }
        }
        if (eocd < 0) throw corrupt("no end-of-central-directory record; the file is truncated or is not a zip");
        long count = u16(eocd + 10);
        long cdSize = u32(eocd + 12);
        long cdOffset = u32(eocd + 16);
        if (eocd >= 20 && u32(eocd - 20) == 0x07064b50L) { // zip64 locator
            long z64 = all.get(U64, eocd - 12);
            if (z64 < 0 || z64 + 56 > size || u32(z64) != 0x06064b50L) throw corrupt("bad zip64 end record");
            count = all.get(U64, z64 + 32);
            cdSize = all.get(U64, z64 + 40);
            cdOffset = all.get(U64, z64 + 48);
        }
        if (cdOffset < 0 || cdOffset + cdSize > size) throw corrupt("central directory lies outside the file; truncated?");
        long p = cdOffset;
        for (long i = 0; i < count; i++) {
            if (p + 46 > size || u32(p) != 0x02014b50L) throw corrupt("bad central directory entry " + i);
            int method = u16(p + 10);
            long crc = u32(p + 16);
            long comp = u32(p + 20);
            long uncomp = u32(p + 24);
            int nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
            long local = u32(p + 42);
            String name = new String(all.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            long extra = p + 46 + nameLen;
            for (long q = extra; q + 4 <= extra + extraLen; ) { // zip64 extended information
                int id = u16(q), len = u16(q + 2);
                long r = q + 4;
                if (id == 0x0001) {
                    if (uncomp == 0xffffffffL) { uncomp = all.get(U64, r); r += 8; }
                    if (comp == 0xffffffffL) { comp = all.get(U64, r); r += 8; }
                    if (local == 0xffffffffL) { local = all.get(U64, r); }
                }
                q += 4 + len;
            }
            entries.put(name, new Entry(name, method, crc, comp, uncomp, local));
            p = extra + extraLen + commentLen;
        }
    }

    /** The entry's bytes, CRC-checked; null when there is no such entry. */
    MemorySegment open(String name) throws IOException {
        MemorySegment seg = opened.get(name);
        if (seg != null) return seg;
        Entry e = entries.get(name);
        if (e == null) return null;
        long h = e.localHeaderOffset();
        if (h < 0 || h + 30 > all.byteSize() || u32(h) != 0x04034b50L) throw corrupt("bad local header of '" + name + "'");
        long dataStart = h + 30 + u16(h + 26) + u16(h + 28);
        if (dataStart + e.compressedSize() > all.byteSize()) throw corrupt("entry '" + name + "' runs past the end of the file; truncated?");
        MemorySegment raw = all.asSlice(dataStart, e.compressedSize());
        seg = switch (e.method()) {
            case 0 -> raw;
            case 8 -> inflate(name, raw, e.size());
            default -> throw corrupt("entry '" + name + "' uses unsupported compression method " + e.method());
        };
        if (seg.byteSize() != e.size()) throw corrupt("entry '" + name + "' has " + seg.byteSize() + " bytes, directory says " + e.size());
        long crc = crc32(seg);
        if (crc != e.crc()) {
            throw corrupt(String.format("entry '%s' fails its CRC-32 check (%08x, expected %08x): the file is damaged", name, crc, e.crc()));
        }
        opened.put(name, seg);
        return seg;
    }

    private MemorySegment inflate(String name, MemorySegment raw, long size) throws IOException {
        if (size > Integer.MAX_VALUE) throw corrupt("compressed entry '" + name + "' is too large; re-save it uncompressed");
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(raw.asByteBuffer());
            MemorySegment out = arena.allocate(size, 64);
            inf.inflate(out.asByteBuffer());
            return out;
        } catch (DataFormatException ex) {
            throw corrupt("entry '" + name + "' does not inflate: " + ex.getMessage());
        } finally {
            inf.end();
        }
    }

    private static long crc32(MemorySegment seg) {
        CRC32 crc = new CRC32();
        long chunk = 1L << 30;
        for (long p = 0; p < seg.byteSize(); p += chunk) {
            crc.update(seg.asSlice(p, Math.min(chunk, seg.byteSize() - p)).asByteBuffer());
        }
        return crc.getValue();
    }
}
