package org.voicestudio.inference.loading;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle (protocol 2-5) interpreter that never executes anything. Python objects become plain
 * Java values: str to String, int to Long (or BigInteger), float to Double, bool, None to null,
 * list to {@link ArrayList}, tuple to {@link PyTuple}, dict to {@link LinkedHashMap}, bytes to
 * byte[]. A GLOBAL may name only what a state dict needs (the {@link #ALLOWED_GLOBALS} list);
 * anything else is refused by name before any further byte is read. Calls (REDUCE) of an allowed
 * global are handed to a {@link Reducer}, which builds the value in Java.
 */
final class SafeUnpickler {

    /** A Python tuple. */
    record PyTuple(List<Object> items) {
        Object get(int i) { return items.get(i); }
        int size() { return items.size(); }
    }

    /** A reference to an allowed global, e.g. {@code torch.FloatStorage}. */
    record Global(String module, String name) {
        @Override public String toString() { return module + "." + name; }
    }

    /** Builds the result of calling an allowed global; and resolves persistent ids. */
    interface Reducer {
        Object call(Global callable, PyTuple args) throws IOException;
        Object persistentLoad(Object pid) throws IOException;
    }

    static final Set<String> ALLOWED_GLOBALS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch.DoubleStorage", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage",
            "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
            "torch.ByteStorage", "torch.BoolStorage");

    /** The pickle refers to a global that a state dict never needs. */
    static final class RefusedGlobalException extends IOException {
        RefusedGlobalException(String source, String global) {
            super(source + ": refused to load: the pickle names the global '" + global
                    + "', which is not a tensor, storage or container type. A state dict never needs it; "
                    + "nothing from the file was run.");
        }
    }

    private static final Object MARK = new Object();

    private final String source;
    private final ByteBuffer in;
    private final Reducer reducer;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    SafeUnpickler(String source, ByteBuffer pickle, Reducer reducer) {
        this.source = source;
        this.in = pickle.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.reducer = reducer;
    }

    private IOException bad(String what) {
        return new IOException(source + ": corrupt pickle at byte " + in.position() + ": " + what);
    }

    private int u8() throws IOException {
        if (!in.hasRemaining()) throw bad("unexpected end of data");
        return in.get() & 0xff;
    }

    private byte[] bytes(long n) throws IOException {
        if (n < 0 || n > in.remaining()) throw bad("length " + n + " exceeds the remaining " + in.remaining() + " bytes");
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    private long u32() throws IOException {
        if (in.remaining() < 4) throw bad("unexpected end of data");
        return in.getInt() & 0xffffffffL;
    }

    private long i64() throws IOException {
        if (in.remaining() < 8) throw bad("unexpected end of data");
        return in.getLong();
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = u8()) != '\n'; ) sb.append((char) c);
        return sb.toString();
    }

    private Object pop() throws IOException {
        if (stack.isEmpty() || stack.getLast() == MARK) throw bad("stack underflow");
        return stack.removeLast();
    }

    private Object peek() throws IOException {
        if (stack.isEmpty() || stack.getLast() == MARK) throw bad("stack underflow");
        return stack.getLast();
    }

    private List<Object> popMark() throws IOException {
        if (marks.isEmpty()) throw bad("no MARK on the stack");
        int m = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        while (stack.size() > m) stack.removeLast();
        return items;
    }

    private Global global(String module, String name) throws IOException {
        String full = module + "." + name;
        if (!ALLOWED_GLOBALS.contains(full)) throw new RefusedGlobalException(source, full);
        return new Global(module, name);
    }

    private void push(Object o) { stack.add(o); }

    private void mark() { marks.add(stack.size()); stack.add(MARK); }

    @SuppressWarnings("unchecked")
    Object load() throws IOException {
        while (true) {
            int op = u8();
            switch (op) {
                case 0x80 -> { int proto = u8(); if (proto < 2 || proto > 5) throw bad("unsupported pickle protocol " + proto); }
                case 0x95 -> i64(); // FRAME: framing is transparent here
                case '.' -> { if (stack.size() != 1) throw bad("stack holds " + stack.size() + " items at STOP"); return stack.getFirst(); }
                case '(' -> mark();
                case '}' -> push(new LinkedHashMap<Object, Object>());
                case ']' -> push(new ArrayList<>());
                case ')' -> push(new PyTuple(List.of()));
                case 0x8f -> push(new ArrayList<>()); // EMPTY_SET: kept as a list of members
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) u8());
                case 'M' -> { int lo = u8(); push((long) (lo | (u8() << 8))); }
                case 'J' -> { if (in.remaining() < 4) throw bad("unexpected end of data"); push((long) in.getInt()); }
                case 0x8a -> push(longFromBytes(bytes(u8())));
                case 0x8b -> push(longFromBytes(bytes(u32())));
                case 'G' -> { if (in.remaining() < 8) throw bad("unexpected end of data"); push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); }
                case 'X' -> push(new String(bytes(u32()), StandardCharsets.UTF_8));
                case 0x8c -> push(new String(bytes(u8()), StandardCharsets.UTF_8));
                case 0x8d -> push(new String(bytes(i64()), StandardCharsets.UTF_8));
                case 'B' -> push(bytes(u32()));
                case 'C' -> push(bytes(u8()));
                case 0x8e -> push(bytes(i64()));
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put(u32(), peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(u32()));
                case 't' -> push(new PyTuple(popMark()));
                case 0x85 -> push(new PyTuple(List.of(nullable(pop()))));
                case 0x86 -> { Object b = pop(), a = pop(); push(new PyTuple(listOf(a, b))); }
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(new PyTuple(listOf(a, b, c))); }
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'd' -> { List<Object> kv = popMark(); Map<Object, Object> d = new LinkedHashMap<>(); putPairs(d, kv); push(d); }
                case 'a' -> { Object v = pop(); asList(peek()).add(v); }
                case 'e' -> { List<Object> items = popMark(); asList(peek()).addAll(items); }
                case 0x90 -> { List<Object> items = popMark(); asList(peek()).addAll(items); } // ADDITEMS
                case 's' -> { Object v = pop(), k = pop(); asDict(peek()).put(k, v); }
                case 'u' -> { List<Object> kv = popMark(); putPairs(asDict(peek()), kv); }
                case 'c' -> { String module = line(); push(global(module, line())); }
                case 0x93 -> { Object name = pop(), module = pop(); push(global(String.valueOf(module), String.valueOf(name))); }
                case 'R' -> {
                    Object args = pop(), callable = pop();
                    if (!(callable instanceof Global g)) throw bad("REDUCE on a " + typeName(callable) + ", not an allowed global");
                    if (!(args instanceof PyTuple t)) throw bad("REDUCE arguments are not a tuple");
                    push(reducer.call(g, t));
                }
                case 'b' -> {
                    Object state = pop();
                    Object target = peek();
                    // OrderedDict state (e.g. a state dict's '_metadata') carries no tensors: ignored.
                    if (!(target instanceof Map) || !(state instanceof Map || state == null)) {
                        throw bad("BUILD on a " + typeName(target) + " is not supported in a state dict");
                    }
                }
                case 'Q' -> push(reducer.persistentLoad(pop()));
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                default -> throw new IOException(source + ": unknown or unsupported pickle opcode 0x"
                        + Integer.toHexString(op) + " at byte " + (in.position() - 1) + "; the file is damaged or not a PyTorch checkpoint");
            }
        }
    }

    private static Object nullable(Object o) { return o; }

    private static List<Object> listOf(Object... items) {
        List<Object> l = new ArrayList<>(items.length);
        for (Object o : items) l.add(o);
        return l;
    }

    private Object memoGet(long key) throws IOException {
        if (!memo.containsKey(key)) throw bad("memo key " + key + " was never stored");
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) throws IOException {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw bad("APPEND to a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asDict(Object o) throws IOException {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw bad("SETITEM on a " + typeName(o));
    }

    private void putPairs(Map<Object, Object> d, List<Object> kv) throws IOException {
        if (kv.size() % 2 != 0) throw bad("odd number of items for a dict");
        for (int i = 0; i < kv.size(); i += 2) d.put(kv.get(i), kv.get(i + 1));
    }

    private static Object longFromBytes(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
