package org.voicestudio.inference.loading;

import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads PyTorch {@code torch.save} checkpoints (zip container + pickle) without executing
 * anything: see {@link SafeUnpickler}. Tensors are views into the memory-mapped file where the
 * stored layout is contiguous (always, for state dicts) and heap copies otherwise.
 */
public final class PtReader {
    private static final Map<String, DType> STORAGE_TYPES = Map.ofEntries(
            Map.entry("DoubleStorage", DType.F64), Map.entry("FloatStorage", DType.F32),
            Map.entry("HalfStorage", DType.F16), Map.entry("BFloat16Storage", DType.BF16),
            Map.entry("LongStorage", DType.I64), Map.entry("IntStorage", DType.I32),
            Map.entry("ShortStorage", DType.I16), Map.entry("CharStorage", DType.I8),
            Map.entry("ByteStorage", DType.U8), Map.entry("BoolStorage", DType.BOOL));

    private PtReader() {}

    /** The unpickled root object and the mapping its tensors live in. */
    public record PtFile(Object root, Arena arena, String source) implements AutoCloseable {
        @Override public void close() { arena.close(); }
    }

    private record Storage(DType dtype, MemorySegment bytes) {}

    /** Reads any checkpoint: the root may be a nested dict (e.g. {@code spk2info.pt}). */
    public static PtFile read(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            ZipIndex zip = new ZipIndex(file, all, arena);
            String pkl = zip.entries().keySet().stream().filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.lastIndexOf('/'))
                    .findFirst().orElseThrow(() -> new IOException(file + ": no data.pkl in the archive; not a PyTorch checkpoint"));
            String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
            MemorySegment byteorder = zip.open(prefix + "byteorder");
            if (byteorder != null) {
                String order = new String(byteorder.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).trim();
                if (!order.equals("little")) throw new IOException(file + ": stored in " + order + "-endian byte order, which is not supported");
            }
            Map<String, Storage> storages = new HashMap<>();
            SafeUnpickler.Reducer reducer = new SafeUnpickler.Reducer() {
                @Override
                public Object persistentLoad(Object pid) throws IOException {
                    if (!(pid instanceof SafeUnpickler.PyTuple t) || t.size() < 5 || !"storage".equals(t.get(0))
                            || !(t.get(1) instanceof SafeUnpickler.Global type) || !(t.get(2) instanceof String key)) {
                        throw new IOException(file + ": unexpected persistent id " + pid);
                    }
                    DType dtype = STORAGE_TYPES.get(type.name());
                    if (dtype == null) throw new IOException(file + ": unsupported storage type " + type);
                    Storage s = storages.get(key);
                    if (s == null) {
                        MemorySegment bytes = zip.open(prefix + "data/" + key);
                        if (bytes == null) throw new IOException(file + ": storage '" + key + "' is missing from the archive");
                        long numel = ((Number) t.get(4)).longValue();
                        if (bytes.byteSize() < numel * dtype.byteSize()) {
                            throw new IOException(file + ": storage '" + key + "' has " + bytes.byteSize() + " bytes, needs " + numel * dtype.byteSize());
                        }
                        s = new Storage(dtype, bytes);
                        storages.put(key, s);
                    }
                    return s;
                }

                @Override
                public Object call(SafeUnpickler.Global g, SafeUnpickler.PyTuple args) throws IOException {
                    return switch (g.toString()) {
                        case "collections.OrderedDict" -> new LinkedHashMap<>();
                        case "torch._utils._rebuild_tensor_v2" -> rebuildTensor(file, args, arena);
                        case "torch._utils._rebuild_parameter" -> args.get(0);
                        default -> throw new IOException(file + ": " + g + " cannot be called");
                    };
                }
            };
            MemorySegment pickle = zip.open(pkl);
            Object root = new SafeUnpickler(file.toString(), pickle.asByteBuffer(), reducer).load();
            return new PtFile(root, arena, file.toString());
        } catch (NoSuchFileException e) {
            arena.close();
            throw new NoSuchFileException(file.toString(), null, "file not found");
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Reads a flat {@code state_dict}: every value must be a tensor. */
    public static StateDict readStateDict(Path file) throws IOException {
        PtFile pt = read(file);
        try {
            if (!(pt.root() instanceof Map<?, ?> map)) {
                throw new IOException(file + ": expected a state dict (a dict of tensors) but the root is " + describe(pt.root()));
            }
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key) || !(e.getValue() instanceof Tensor t)) {
                    throw new IOException(file + ": entry '" + e.getKey() + "' is " + describe(e.getValue()) + ", not a tensor");
                }
                tensors.put(key, t);
            }
            return new StateDict(file.toString(), tensors, pt.arena());
        } catch (IOException | RuntimeException e) {
            pt.close();
            throw e;
        }
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private static Tensor rebuildTensor(Path file, SafeUnpickler.PyTuple args, Arena arena) throws IOException {
        if (args.size() < 4 || !(args.get(0) instanceof Storage storage)) {
            throw new IOException(file + ": malformed tensor record " + args);
        }
        long offset = ((Number) args.get(1)).longValue();
        long[] shape = longs(file, args.get(2));
        long[] stride = longs(file, args.get(3));
        if (shape.length != stride.length) throw new IOException(file + ": tensor size and stride disagree");
        DType dtype = storage.dtype();
        long es = dtype.byteSize();
        long numel = Tensor.numel(shape);
        long[] contiguous = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) { contiguous[i] = s; s *= shape[i]; }
        boolean isContiguous = true;
        for (int i = 0; i < shape.length; i++) if (shape[i] > 1 && stride[i] != contiguous[i]) isContiguous = false;
        long storageElems = storage.bytes().byteSize() / es;
        if (numel == 0) return new Tensor(dtype, shape, MemorySegment.NULL.reinterpret(0));
        long maxIndex = offset;
        for (int i = 0; i < shape.length; i++) maxIndex += (shape[i] - 1) * stride[i];
        if (offset < 0 || maxIndex >= storageElems) throw new IOException(file + ": tensor view exceeds its storage");
        if (isContiguous) return new Tensor(dtype, shape, storage.bytes().asSlice(offset * es, numel * es));
        // a strided view (never in a state dict, possible in other checkpoints): gather a copy
        MemorySegment out = arena.allocate(numel * es, 8);
        long[] idx = new long[shape.length];
        for (long n = 0; n < numel; n++) {
            long src = offset;
            for (int i = 0; i < shape.length; i++) src += idx[i] * stride[i];
            MemorySegment.copy(storage.bytes(), src * es, out, n * es, es);
            for (int i = shape.length - 1; i >= 0 && ++idx[i] == shape[i]; i--) idx[i] = 0;
        }
        return new Tensor(dtype, shape, out);
    }

    private static long[] longs(Path file, Object tuple) throws IOException {
        if (!(tuple instanceof SafeUnpickler.PyTuple t)) throw new IOException(file + ": expected a tuple of sizes, got " + tuple);
        List<Object> items = t.items();
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) items.get(i)).longValue();
        return out;
    }
}
