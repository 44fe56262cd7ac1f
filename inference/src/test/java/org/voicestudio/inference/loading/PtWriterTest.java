package org.voicestudio.inference.loading;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;
import org.voicestudio.inference.testing.Golden;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PtWriterTest {

    /** One zip entry as the bytes of the file show it: local header, padding, data, data descriptor, central record. */
    record ZipEntryLayout(String name, int localVersion, int localFlags, int method, String extraId, int extraLen, long dataOffset,
                          long size, long crc, long descriptorCrc, long descriptorSize, int centralMadeBy, int centralVersion, int centralFlags) {}

    record ZipLayout(List<ZipEntryLayout> entries, boolean contiguous, byte[] zip64EndFixed, byte[] zip64Locator, int eocdEntries) {}

    /** Parses the structure of a torch.save zip: central directory, then each local header and its data descriptor. */
    static ZipLayout zipLayout(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = f.length - 22;
        assertEquals(0x06054b50, b.getInt(eocd), "classic end record last");
        int locator = eocd - 20;
        assertEquals(0x07064b50, b.getInt(locator), "zip64 locator before the end record");
        int z64 = (int) b.getLong(locator + 8);
        assertEquals(0x06064b50, b.getInt(z64), "zip64 end record where the locator points");
        long count = b.getLong(z64 + 32), cdSize = b.getLong(z64 + 40), cdOffset = b.getLong(z64 + 48);
        assertEquals(z64, cdOffset + cdSize, "zip64 end record right after the central directory");
        List<ZipEntryLayout> out = new ArrayList<>();
        int p = (int) cdOffset;
        boolean contiguous = true;
        long expectedNext = 0;
        for (int i = 0; i < count; i++) {
            assertEquals(0x02014b50, b.getInt(p));
            int madeBy = b.getShort(p + 4) & 0xffff, version = b.getShort(p + 6) & 0xffff, flags = b.getShort(p + 8) & 0xffff;
            int method = b.getShort(p + 10) & 0xffff;
            long crc = b.getInt(p + 16) & 0xffffffffL, size = b.getInt(p + 24) & 0xffffffffL;
            int nameLen = b.getShort(p + 28), extraLen = b.getShort(p + 30), commentLen = b.getShort(p + 32);
            long local = b.getInt(p + 42) & 0xffffffffL;
            String name = new String(f, p + 46, nameLen, StandardCharsets.UTF_8);
            p += 46 + nameLen + extraLen + commentLen;

            int h = (int) local;
            if (h != expectedNext) contiguous = false;
            assertEquals(0x04034b50, b.getInt(h), name + " local header");
            int lNameLen = b.getShort(h + 26), lExtraLen = b.getShort(h + 28);
            int extra = h + 30 + lNameLen;
            String extraId = new String(f, extra, 2, StandardCharsets.US_ASCII);
            int padLen = b.getShort(extra + 2);
            for (int k = 0; k < padLen; k++) assertEquals('Z', f[extra + 4 + k], name + " padding byte");
            long data = extra + lExtraLen;
            int dd = (int) (data + size);
            assertEquals(0x08074b50, b.getInt(dd), name + " data descriptor");
            out.add(new ZipEntryLayout(name, b.getShort(h + 4) & 0xffff, b.getShort(h + 6) & 0xffff, method, extraId, lExtraLen, data,
                    size, crc, b.getInt(dd + 4) & 0xffffffffL, b.getInt(dd + 12) & 0xffffffffL, madeBy, version, flags));
            expectedNext = dd + 16;
        }
        if (expectedNext != cdOffset) contiguous = false;
        byte[] z64Fixed = Arrays.copyOfRange(f, z64, z64 + 24); // signature, record size, versions, disk numbers
        byte[] loc = Arrays.copyOfRange(f, locator, locator + 8);
        return new ZipLayout(out, contiguous, z64Fixed, loc, b.getShort(eocd + 10) & 0xffff);
    }

    private static byte[] entryBytes(Path file, String name) throws Exception {
        byte[] f = Files.readAllBytes(file);
        for (ZipEntryLayout e : zipLayout(f).entries()) {
            if (e.name().equals(name)) return Arrays.copyOfRange(f, (int) e.dataOffset(), (int) (e.dataOffset() + e.size()));
        }
        throw new AssertionError(name + " not in " + file);
    }

    @Test
    void rewrittenGoldenFlowCheckpointHasTheOfficialZipAndPickleStructure(@TempDir Path tmp) throws Exception {
        Path golden = Golden.tinyModel().resolve("flow.pt");
        Path ours = tmp.resolve("flow.pt");
        try (StateDict sd = PtReader.readStateDict(golden)) {
            PtWriter.writeStateDict(ours, sd.asMap());
        }
        ZipLayout g = zipLayout(Files.readAllBytes(golden));
        ZipLayout o = zipLayout(Files.readAllBytes(ours));
        assertEquals(g.entries().stream().map(ZipEntryLayout::name).toList(), o.entries().stream().map(ZipEntryLayout::name).toList(),
                "entry names and order (flow/data.pkl, .format_version, .storage_alignment, byteorder, data/0..49, version, .data/serialization_id)");
        assertTrue(o.contiguous(), "entries follow each other, then the central directory");
        assertArrayEquals(g.zip64EndFixed(), o.zip64EndFixed(), "zip64 end record fields");
        assertArrayEquals(g.zip64Locator(), o.zip64Locator());
        assertEquals(g.eocdEntries(), o.eocdEntries());
        for (int i = 0; i < g.entries().size(); i++) {
            ZipEntryLayout ge = g.entries().get(i), oe = o.entries().get(i);
            String n = oe.name();
            assertEquals(0, oe.dataOffset() % 64, n + " data is 64-byte aligned");
            assertEquals("FB", oe.extraId(), n + " padding extra field");
            assertEquals(List.of(ge.localVersion(), ge.localFlags(), ge.method(), ge.centralMadeBy(), ge.centralVersion(), ge.centralFlags()),
                    List.of(oe.localVersion(), oe.localFlags(), oe.method(), oe.centralMadeBy(), oe.centralVersion(), oe.centralFlags()), n + " header fields");
            assertEquals(oe.crc(), oe.descriptorCrc(), n + " descriptor CRC");
            assertEquals(oe.size(), oe.descriptorSize(), n + " descriptor size");
            if (n.endsWith("/data.pkl") || n.endsWith("serialization_id")) continue;
            assertEquals(ge.size(), oe.size(), n + " size");
            assertEquals(ge.crc(), oe.crc(), n + " CRC (same bytes)");
        }
        // the pickle is byte-identical to torch's up to the module-version _metadata we do not write
        byte[] gp = entryBytes(golden, "flow/data.pkl");
        byte[] op = entryBytes(ours, "flow/data.pkl");
        assertEquals('.', op[op.length - 1]);
        assertArrayEquals(Arrays.copyOf(gp, op.length - 1), Arrays.copyOf(op, op.length - 1), "pickle bytes before STOP");
        assertEquals('}', gp[op.length - 1], "golden continues with the _metadata state dict at that point");
        assertEquals(40, entryBytes(ours, "flow/.data/serialization_id").length);
    }

    @Test
    void rewrittenLlmCheckpointKeepsTheTiedHeadInOneStorage(@TempDir Path tmp) throws Exception {
        Path golden = Golden.tinyModel().resolve("llm.pt");
        Path ours = tmp.resolve("llm.pt");
        try (StateDict sd = PtReader.readStateDict(golden)) {
            PtWriter.writeStateDict(ours, sd.asMap());
        }
        ZipLayout g = zipLayout(Files.readAllBytes(golden));
        ZipLayout o = zipLayout(Files.readAllBytes(ours));
        assertEquals(g.entries().stream().map(ZipEntryLayout::name).toList(), o.entries().stream().map(ZipEntryLayout::name).toList(),
                "28 storages for 29 tensors, as torch writes them");
        byte[] gp = entryBytes(golden, "llm/data.pkl");
        byte[] op = entryBytes(ours, "llm/data.pkl");
        assertArrayEquals(Arrays.copyOf(gp, op.length - 1), Arrays.copyOf(op, op.length - 1));
        try (StateDict a = PtReader.readStateDict(golden); StateDict b = PtReader.readStateDict(ours)) {
            assertEquals(List.copyOf(a.keys()), List.copyOf(b.keys()));
            for (String k : a.keys()) assertEquals(a.get(k).data().mismatch(b.get(k).data()), -1, k);
        }
    }

    @Test
    void nestedDictOfTensorsStringsAndNumbersRoundTrips(@TempDir Path tmp) throws Exception {
        Tensor emb = Tensor.ofFloats(new float[] {0.5f, -1.25f, 3f}, 1, 3);
        Tensor tokens = Tensor.ofInts(new int[] {1, 2, 6560, 0}, 1, 4);
        Tensor ids = Tensor.ofLongs(new long[] {151646, -1}, 2);
        Tensor scalar = Tensor.ofDoubles(new double[] {Math.PI});
        Map<String, Object> speaker = new LinkedHashMap<>();
        speaker.put("prompt_text", "Hello, wörld <|endofprompt|>");
        speaker.put("llm_embedding", emb);
        speaker.put("flow_embedding", emb); // shared storage
        speaker.put("speech_token", tokens);
        speaker.put("ids", ids);
        speaker.put("pi", scalar);
        speaker.put("lengths", new ArrayList<>(List.of(0L, 255L, 256L, 65535L, 65536L, -5L, 1L << 40, Long.MIN_VALUE)));
        speaker.put("single", new ArrayList<>(List.of("x")));
        speaker.put("rate", 0.1);
        speaker.put("ok", true);
        speaker.put("nothing", null);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("speaker_a", speaker);
        root.put("empty", new LinkedHashMap<>());
        Path file = tmp.resolve("spk2info.pt");
        PtWriter.write(file, root);

        try (PtReader.PtFile pt = PtReader.read(file)) {
            Map<?, ?> back = (Map<?, ?>) pt.root();
            assertEquals(List.of("speaker_a", "empty"), List.copyOf(back.keySet()));
            Map<?, ?> s = (Map<?, ?>) back.get("speaker_a");
            assertEquals("Hello, wörld <|endofprompt|>", s.get("prompt_text"));
            assertArrayEquals(emb.toFloats(), ((Tensor) s.get("llm_embedding")).toFloats());
            assertArrayEquals(new long[] {1, 3}, ((Tensor) s.get("flow_embedding")).shape());
            assertEquals(DType.I32, ((Tensor) s.get("speech_token")).dtype());
            assertArrayEquals(tokens.toInts(), ((Tensor) s.get("speech_token")).toInts());
            assertArrayEquals(ids.toLongs(), ((Tensor) s.get("ids")).toLongs());
            assertEquals(0, ((Tensor) s.get("pi")).rank());
            assertEquals(Math.PI, ((Tensor) s.get("pi")).toDoubles()[0]);
            assertEquals(List.of(0L, 255L, 256L, 65535L, 65536L, -5L, 1L << 40, Long.MIN_VALUE), s.get("lengths"));
            assertEquals(List.of("x"), s.get("single"));
            assertEquals(0.1, s.get("rate"));
            assertEquals(true, s.get("ok"));
            assertTrue(s.containsKey("nothing"));
            assertNull(s.get("nothing"));
            assertEquals(Map.of(), back.get("empty"));
        }
        List<String> names = zipLayout(Files.readAllBytes(file)).entries().stream().map(ZipEntryLayout::name).toList();
        assertEquals(List.of("spk2info/data.pkl", "spk2info/.format_version", "spk2info/.storage_alignment", "spk2info/byteorder",
                "spk2info/data/0", "spk2info/data/1", "spk2info/data/2", "spk2info/data/3", "spk2info/version",
                "spk2info/.data/serialization_id"), names, "the shared embedding is stored once");
    }

    @Test
    void moreThanAThousandKeysAndStreamedBf16TensorsRoundTrip(@TempDir Path tmp) throws Exception {
        Map<String, Object> sd = new LinkedHashMap<>();
        for (int i = 0; i < 2500; i++) sd.put("w." + i, Tensor.ofFloats(new float[] {i}, 1));
        short[] bits = {0x3f80, (short) 0xbf00, 0x4049};
        sd.put("bf16", new PtWriter.StreamedTensor(DType.BF16, new long[] {3}, out -> {
            for (short s : bits) { out.write(s & 0xff); out.write((s >>> 8) & 0xff); }
        }));
        Path file = tmp.resolve("big.pt");
        PtWriter.writeStateDict(file, sd);
        try (StateDict back = PtReader.readStateDict(file)) {
            assertEquals(2501, back.size());
            assertEquals(1234f, back.get("w.1234").toFloats()[0]);
            assertEquals(DType.BF16, back.get("bf16").dtype());
            assertArrayEquals(new float[] {1f, -0.5f, 3.140625f}, back.get("bf16").toFloats());
        }
    }

    @Test
    void aProducerThatWritesTheWrongByteCountIsAnError(@TempDir Path tmp) {
        Map<String, Object> sd = Map.of("w", new PtWriter.StreamedTensor(DType.F32, new long[] {2}, out -> out.write(new byte[4])));
        Exception e = assertThrows(java.io.IOException.class, () -> PtWriter.writeStateDict(tmp.resolve("bad.pt"), sd));
        assertTrue(e.getMessage().contains("wrote 4 bytes, expected 8"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("bad.pt")));
        assertFalse(Files.exists(tmp.resolve("bad.pt.tmp")));
    }

    @Test
    void mappedTensorsOverTheSameBytesShareAStorage(@TempDir Path tmp) throws Exception {
        MemorySegment seg = Arena.ofAuto().allocate(8, 8);
        Tensor a = new Tensor(DType.F32, new long[] {2}, seg);
        Tensor b = new Tensor(DType.F32, new long[] {2}, seg); // another view of the same storage
        Path file = tmp.resolve("tied.pt");
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("a", a);
        sd.put("b", b);
        PtWriter.writeStateDict(file, sd);
        assertEquals(1, zipLayout(Files.readAllBytes(file)).entries().stream().filter(e -> e.name().contains("/data/")).count());
    }
}
