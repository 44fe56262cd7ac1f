package org.voicestudio.inference.loading;

import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.Tensor;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Writes PyTorch checkpoints in the layout {@code torch.save} produces (PyTorch 2.x, the layout
 * of the official {@code llm.pt}/{@code flow.pt}/{@code hift.pt}), so that
 * {@code torch.load(..., weights_only=True)} accepts them:
 * <ul>
 * <li>a zip archive whose entries all sit under one folder named after the file
 *     ({@code flow/...} for {@code flow.pt}), STORED, with general-purpose flags 0x0808 (sizes in a
 *     data descriptor after the data, UTF-8 names), zero dates, and every entry's data 64-byte
 *     aligned by an {@code "FB"} padding extra field of {@code 'Z'} bytes;</li>
 * <li>entries {@code data.pkl}, {@code .format_version} ("1"), {@code .storage_alignment} ("64"),
 *     {@code byteorder} ("little"), {@code data/0..n} (raw little-endian storages in pickling order),
 *     {@code version} ("3\n"), {@code .data/serialization_id}; then the central directory, a zip64
 *     end record, its locator and the classic end record;</li>
 * <li>{@code data.pkl}: pickle protocol 2, memoised like Python's pickler (BINPUT after every
 *     string, tuple, global and reduce result; strings are memoised by value, which for a state
 *     dict gives torch's bytes exactly), tensors as
 *     {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}
 *     with the persistent id {@code ('storage', torch.FloatStorage, '<n>', 'cpu', numel)}.</li>
 * </ul>
 * Values may be nested {@link Map}s (dict; the root of {@link #writeStateDict} is an
 * {@code OrderedDict}), {@link List}s, strings, integers, floats, booleans, null, {@link Tensor}s
 * and {@link StreamedTensor}s. The same tensor object (or two tensors over the same bytes) is
 * stored once, as torch stores a tied weight. The module-version {@code _metadata} attribute that
 * {@code nn.Module.state_dict()} attaches is not written: {@code load_state_dict} treats a missing
 * one as version 1 everywhere, which is what every CosyVoice3 module has.
 *
 * <p>Checked (November 2026) with PyTorch 2.11: {@code torch.load(f, weights_only=True)} reads a
 * state dict (tied weights sharing one storage, bfloat16, a weight-norm conv that
 * {@code load_state_dict(strict=True)} accepts) and a nested {@code spk2info}-style dict of
 * tensors, strings, ints, floats, bools and None written by this class. The unit tests compare the
 * bytes with the golden {@code flow.pt}/{@code llm.pt}.
 */
public final class PtWriter {
    /** A tensor whose bytes are produced while the file is written (e.g. random weights), so they never sit in memory whole. */
    public record StreamedTensor(DType dtype, long[] shape, Producer producer) {
        public StreamedTensor {
            shape = shape.clone();
        }
        public long numel() { return Tensor.numel(shape); }
        @Override public long[] shape() { return shape.clone(); }
    }

    /** Writes exactly {@code numel * dtype.byteSize()} little-endian bytes. */
    @FunctionalInterface
    public interface Producer {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final int ALIGNMENT = 64;
    private static final long U32_MAX = 0xffffffffL;
    private static final Map<DType, String> STORAGE_TYPES = Map.of(
            DType.F64, "DoubleStorage", DType.F32, "FloatStorage", DType.F16, "HalfStorage", DType.BF16, "BFloat16Storage",
            DType.I64, "LongStorage", DType.I32, "IntStorage", DType.I16, "ShortStorage", DType.I8, "CharStorage",
            DType.U8, "ByteStorage", DType.BOOL, "BoolStorage");

    private PtWriter() {}

    /** A flat state dict ({@code OrderedDict} of name to tensor), as {@code torch.save(module.state_dict())} writes it. */
    public static void writeStateDict(Path file, Map<String, ?> tensors) throws IOException {
        write(file, tensors, true);
    }

    /** Any supported value tree; maps become plain dicts (as {@code torch.save(dict)} writes {@code spk2info.pt}). */
    public static void write(Path file, Object root) throws IOException {
        write(file, root, false);
    }

    private static void write(Path file, Object root, boolean orderedRoot) throws IOException {
        String archive = archiveName(file);
        Pickler pickler = new Pickler();
        pickler.pickle(root, orderedRoot);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (ZipWriter zip = new ZipWriter(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
            zip.entry(archive + "/data.pkl", out -> out.write(pickler.bytes()), pickler.bytes().length);
            zip.entry(archive + "/.format_version", ascii("1"));
            zip.entry(archive + "/.storage_alignment", ascii(Integer.toString(ALIGNMENT)));
            zip.entry(archive + "/byteorder", ascii("little"));
            for (int i = 0; i < pickler.storages.size(); i++) {
                Object t = pickler.storages.get(i);
                zip.entry(archive + "/data/" + i, out -> writeData(t, out), byteSize(t));
            }
            zip.entry(archive + "/version", ascii("3\n"));
            // torch writes a random id here; a digest of the entries keeps our files reproducible
            zip.entry(archive + "/.data/serialization_id", ascii(String.format("%020d%020d",
                    zip.digest(), Long.remainderUnsigned(zip.position(), 1_000_000_000_000_000_000L))));
            zip.finish();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** torch.save names the archive folder after the file: "flow.pt" -> "flow". */
    static String archiveName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    private static long byteSize(Object t) {
        return switch (t) {
            case Tensor x -> x.data().byteSize();
            case StreamedTensor s -> s.numel() * s.dtype().byteSize();
            default -> throw new IllegalStateException();
        };
    }

    private static void writeData(Object t, OutputStream out) throws IOException {
        switch (t) {
            case Tensor x -> {
                MemorySegment seg = x.data();
                byte[] buf = new byte[(int) Math.min(1 << 20, Math.max(1, seg.byteSize()))];
                for (long pos = 0; pos < seg.byteSize(); pos += buf.length) {
                    int n = (int) Math.min(buf.length, seg.byteSize() - pos);
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            case StreamedTensor s -> s.producer().writeTo(out);
            default -> throw new IllegalStateException();
        }
    }

    // ---- pickle protocol 2 -------------------------------------------------------------------

    /** Emits opcodes and memo entries in the order CPython's {@code pickle.Pickler} does for the same objects. */
    private static final class Pickler {
        private final ByteArrayOut out = new ByteArrayOut();
        private final Map<String, Integer> strings = new HashMap<>();
        private final Map<String, Integer> globals = new HashMap<>();
        /** Storage identity: the tensor object, or for mapped tensors the bytes they view. */
        private final IdentityHashMap<Object, String> storageKeys = new IdentityHashMap<>();
        private final Map<MemorySegment, String> segmentKeys = new HashMap<>();
        final List<Object> storages = new ArrayList<>();
        private int memo;

        byte[] bytes() { return out.toByteArray(); }

        void pickle(Object root, boolean orderedRoot) {
            out.write(0x80);
            out.write(2);
            if (orderedRoot) {
                if (!(root instanceof Map<?, ?> m)) throw new IllegalArgumentException("a state dict must be a map of names to tensors");
                orderedDict();
                setItems(m);
            } else {
                save(root);
            }
            out.write('.');
        }

        private void put() {
            int i = memo++;
            if (i < 256) { out.write('q'); out.write(i); } else { out.write('r'); out.u32(i); }
        }

        private void get(int i) {
            if (i < 256) { out.write('h'); out.write(i); } else { out.write('j'); out.u32(i); }
        }

        private void global(String module, String name) {
            String full = module + "\n" + name + "\n";
            Integer m = globals.get(full);
            if (m != null) { get(m); return; }
            out.write('c');
            out.write(ascii(full));
            globals.put(full, memo);
            put();
        }

        private void string(String s) {
            Integer m = strings.get(s);
            if (m != null) { get(m); return; }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.u32(b.length);
            out.write(b);
            strings.put(s, memo);
            put();
        }

        private void integer(long v) {
            if (v >= 0 && v < 256) { out.write('K'); out.write((int) v); }
            else if (v >= 0 && v < 65536) { out.write('M'); out.write((int) (v & 0xff)); out.write((int) (v >>> 8)); }
            else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) { out.write('J'); out.u32((int) v); }
            else {
                // LONG1: minimal two's-complement little-endian bytes
                byte[] be = java.math.BigInteger.valueOf(v).toByteArray();
                out.write(0x8a);
                out.write(be.length);
                for (int i = be.length - 1; i >= 0; i--) out.write(be[i]);
            }
        }

        private void tuple(long[] items) {
            if (items.length == 0) { out.write(')'); return; }
            if (items.length > 3) out.write('(');
            for (long v : items) integer(v);
            out.write(switch (items.length) { case 1 -> 0x85; case 2 -> 0x86; case 3 -> 0x87; default -> 't'; });
            put();
        }

        /** {@code collections.OrderedDict()} via REDUCE, memoised. */
        private void orderedDict() {
            global("collections", "OrderedDict");
            out.write(')');
            out.write('R');
            put();
        }

        private void save(Object v) {
            switch (v) {
                case null -> out.write('N');
                case Boolean b -> out.write(b ? 0x88 : 0x89);
                case Integer i -> integer(i);
                case Long l -> integer(l);
                case Short s -> integer(s);
                case Byte b -> integer(b);
                case Double d -> { out.write('G'); out.u64be(Double.doubleToRawLongBits(d)); }
                case Float f -> { out.write('G'); out.u64be(Double.doubleToRawLongBits(f)); }
                case String s -> string(s);
                case Tensor t -> tensor(t, t.dtype(), t.shape());
                case StreamedTensor t -> tensor(t, t.dtype(), t.shape());
                case Map<?, ?> m -> { out.write('}'); put(); setItems(m); }
                case List<?> l -> { out.write(']'); put(); appends(l); }
                default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getSimpleName()
                        + " to a checkpoint (supported: dict, list, str, int, float, bool, None, tensor)");
            }
        }

        /** Python batches SETITEMS in groups of 1000; a single item uses SETITEM. */
        private void setItems(Map<?, ?> m) {
            List<? extends Map.Entry<?, ?>> items = new ArrayList<>(m.entrySet());
            for (int start = 0; start < items.size(); start += 1000) {
                List<? extends Map.Entry<?, ?>> batch = items.subList(start, Math.min(items.size(), start + 1000));
                if (batch.size() > 1) out.write('(');
                for (Map.Entry<?, ?> e : batch) {
                    if (!(e.getKey() instanceof String)) throw new IllegalArgumentException("dict keys must be strings, got " + e.getKey());
                    save(e.getKey());
                    save(e.getValue());
                }
                out.write(batch.size() > 1 ? 'u' : 's');
            }
        }

        private void appends(List<?> l) {
            for (int start = 0; start < l.size(); start += 1000) {
                List<?> batch = l.subList(start, Math.min(l.size(), start + 1000));
                if (batch.size() > 1) out.write('(');
                for (Object o : batch) save(o);
                out.write(batch.size() > 1 ? 'e' : 'a');
            }
        }

        private void tensor(Object t, DType dtype, long[] shape) {
            String storageType = STORAGE_TYPES.get(dtype);
            if (storageType == null) throw new IllegalArgumentException("no torch storage type for " + dtype);
            global("torch._utils", "_rebuild_tensor_v2");
            out.write('(');
            // persistent id ('storage', torch.<T>Storage, key, 'cpu', numel), then BINPERSID
            out.write('(');
            string("storage");
            global("torch", storageType);
            string(storageKey(t));
            string("cpu");
            integer(Tensor.numel(shape));
            out.write('t');
            put();
            out.write('Q');
            integer(0);                       // storage_offset
            tuple(shape);                     // size
            long[] stride = new long[shape.length];
            long s = 1;
            for (int i = shape.length - 1; i >= 0; i--) { stride[i] = s; s *= Math.max(1, shape[i]); }
            tuple(stride);                    // contiguous stride
            out.write(0x89);                  // requires_grad = False
            orderedDict();                    // backward_hooks = OrderedDict()
            out.write('t');
            put();
            out.write('R');
            put();
        }

        private String storageKey(Object t) {
            String key = storageKeys.get(t);
            if (key != null) return key;
            if (t instanceof Tensor x && x.data().byteSize() > 0 && x.data().isNative()) {
                key = segmentKeys.get(x.data());
                if (key != null) { storageKeys.put(t, key); return key; }
            }
            key = Integer.toString(storages.size());
            storages.add(t);
            storageKeys.put(t, key);
            if (t instanceof Tensor x && x.data().byteSize() > 0 && x.data().isNative()) segmentKeys.put(x.data(), key);
            return key;
        }
    }

    private static final class ByteArrayOut extends java.io.ByteArrayOutputStream {
        void u32(long v) { for (int i = 0; i < 4; i++) write((int) (v >>> (8 * i)) & 0xff); }
        void u64be(long v) { for (int i = 7; i >= 0; i--) write((int) (v >>> (8 * i)) & 0xff); }
        @Override public void write(byte[] b) { write(b, 0, b.length); }
    }

    // ---- zip container -----------------------------------------------------------------------

    /** The subset of zip that PyTorch's writer produces: STORED entries, data descriptors, 64-byte alignment, zip64 end records. */
    private static final class ZipWriter implements AutoCloseable {
        private record Written(String name, long offset, long size, long crc) {}

        private final OutputStream out;
        private final List<Written> written = new ArrayList<>();
        private long pos;
        private final CRC32 digest = new CRC32();

        ZipWriter(OutputStream out) { this.out = out; }

        long digest() { return digest.getValue(); }
        long position() { return pos; }

        void entry(String name, byte[] data) throws IOException {
            entry(name, o -> o.write(data), data.length);
        }

        void entry(String name, Producer producer, long size) throws IOException {
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            long offset = pos;
            boolean zip64 = size >= U32_MAX || offset >= U32_MAX;
            int zip64Extra = zip64 ? 4 + (size >= U32_MAX ? 16 : 0) + (offset >= U32_MAX ? 8 : 0) : 0;
            long start = offset + 30 + nameBytes.length + zip64Extra + 4;
            int pad = (int) ((ALIGNMENT - start % ALIGNMENT) % ALIGNMENT);
            ByteBuffer h = le(30 + nameBytes.length + zip64Extra + 4 + pad);
            h.putInt(0x04034b50).putShort((short) 0).putShort((short) 0x0808).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(size >= U32_MAX ? -1 : 0).putInt(size >= U32_MAX ? -1 : 0)
                    .putShort((short) nameBytes.length).putShort((short) (zip64Extra + 4 + pad)).put(nameBytes);
            if (zip64) {
                h.putShort((short) 1).putShort((short) (zip64Extra - 4));
                if (size >= U32_MAX) h.putLong(size).putLong(size);
                if (offset >= U32_MAX) h.putLong(offset);
            }
            h.put((byte) 'F').put((byte) 'B').putShort((short) pad);
            for (int i = 0; i < pad; i++) h.put((byte) 'Z');
            raw(h.array());

            CRC32 crc = new CRC32();
            long[] count = {0};
            OutputStream body = new OutputStream() {
                @Override public void write(int b) throws IOException { out.write(b); crc.update(b); count[0]++; }
                @Override public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    crc.update(b, off, len);
                    count[0] += len;
                }
            };
            producer.writeTo(body);
            if (count[0] != size) throw new IOException(name + ": wrote " + count[0] + " bytes, expected " + size);
            pos += size;

            ByteBuffer dd = le(size >= U32_MAX ? 24 : 16);
            dd.putInt(0x08074b50).putInt((int) crc.getValue());
            if (size >= U32_MAX) dd.putLong(size).putLong(size); else dd.putInt((int) size).putInt((int) size);
            raw(dd.array());
            written.add(new Written(name, offset, size, crc.getValue()));
            digest.update(ByteBuffer.allocate(8).putLong(crc.getValue()).array());
        }

        void finish() throws IOException {
            long cdStart = pos;
            for (Written w : written) {
                byte[] nameBytes = w.name().getBytes(StandardCharsets.UTF_8);
                boolean bigSize = w.size() >= U32_MAX, bigOffset = w.offset() >= U32_MAX;
                int extra = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
                ByteBuffer c = le(46 + nameBytes.length + extra);
                c.putInt(0x02014b50).putShort((short) 0).putShort((short) 0).putShort((short) 0x0808).putShort((short) 0)
                        .putShort((short) 0).putShort((short) 0).putInt((int) w.crc())
                        .putInt(bigSize ? -1 : (int) w.size()).putInt(bigSize ? -1 : (int) w.size())
                        .putShort((short) nameBytes.length).putShort((short) extra).putShort((short) 0)
                        .putShort((short) 0).putShort((short) 0).putInt(0).putInt(bigOffset ? -1 : (int) w.offset()).put(nameBytes);
                if (extra > 0) {
                    c.putShort((short) 1).putShort((short) (extra - 4));
                    if (bigSize) c.putLong(w.size()).putLong(w.size());
                    if (bigOffset) c.putLong(w.offset());
                }
                raw(c.array());
            }
            long cdSize = pos - cdStart;
            long z64 = pos;
            ByteBuffer e = le(56 + 20 + 22);
            e.putInt(0x06064b50).putLong(44).putShort((short) 0x031e).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(written.size()).putLong(written.size()).putLong(cdSize).putLong(cdStart);
            e.putInt(0x07064b50).putInt(0).putLong(z64).putInt(1);
            int n16 = Math.min(written.size(), 0xffff);
            e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) n16).putShort((short) n16)
                    .putInt(cdSize >= U32_MAX ? -1 : (int) cdSize).putInt(cdStart >= U32_MAX ? -1 : (int) cdStart).putShort((short) 0);
            raw(e.array());
        }

        private void raw(byte[] b) throws IOException {
            out.write(b);
            pos += b.length;
        }

        private static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }

        @Override public void close() throws IOException { out.close(); }
    }
}
