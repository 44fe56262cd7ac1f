package org.voicestudio.inference.config;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A HyperPyYAML document ({@code cosyvoice3.yaml}) read as data. HyperPyYAML's tags
 * {@code !new:}, {@code !name:} and {@code !apply:} would construct Python objects; here they
 * become {@link Tagged} values that record the class name and its arguments, and nothing is
 * ever instantiated. {@code !ref <key>} (also expressions such as
 * {@code !ref <chunk_size> * <token_mel_ratio>}) is resolved against the document on access.
 *
 * <p>Plain values: mappings become {@link LinkedHashMap}, sequences {@link List}, scalars
 * {@code String}, {@code Long}, {@code Double}, {@code Boolean} or {@code null} (YAML 1.2 core
 * schema).
 */
public final class HyperYaml {

    /** A {@code !new:}, {@code !name:} or {@code !apply:} node: what Python would construct, as data. */
    public record Tagged(String kind, String target, Object args) {
        @Override public String toString() { return "!" + kind + ":" + target; }
    }

    /** A {@code !ref} expression, resolved against the document root when read. */
    public record Ref(String expression) {
        @Override public String toString() { return "!ref " + expression; }
    }

    private static final Pattern REF = Pattern.compile("<([^<>]+)>");
    private static final Set<String> CONSTRUCTING_TAGS = Set.of("new", "name", "apply");

    private final String source;
    private final Map<String, Object> root;

    private HyperYaml(String source, Map<String, Object> root) {
        this.source = source;
        this.root = root;
    }

    /** Parses the text; {@code source} names the file in messages (e.g. "cosyvoice3.yaml"). */
    public static HyperYaml parse(String text, String source) throws ConfigException {
        LoadSettings settings = LoadSettings.builder().setSchema(new CoreSchema()).setLabel(source).setCodePointLimit(16 << 20).build();
        Node node;
        try {
            node = new Compose(settings).composeString(text).orElse(null);
        } catch (YamlEngineException e) {
            throw new ConfigException(source + ": not valid YAML: " + e.getMessage());
        }
        if (!(node instanceof MappingNode)) throw new ConfigException(source + ": the document is not a mapping of names to values");
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) toData(node, source);
        return new HyperYaml(source, root);
    }

    public String source() { return source; }

    /** The top-level mapping, unresolved. */
    public Map<String, Object> root() { return root; }

    private static Object toData(Node node, String source) throws ConfigException {
        String tag = node.getTag().getValue();
        String custom = tag.startsWith("!") ? tag.substring(1) : null;
        Object data;
        switch (node) {
            case ScalarNode s -> {
                if (custom != null) data = s.getValue();
                else data = scalar(s);
            }
            case SequenceNode seq -> {
                List<Object> list = new ArrayList<>();
                for (Node n : seq.getValue()) list.add(toData(n, source));
                data = list;
            }
            case MappingNode map -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (NodeTuple t : map.getValue()) {
                    if (!(t.getKeyNode() instanceof ScalarNode k)) throw new ConfigException(source + ": a mapping key is not a plain name");
                    if (m.containsKey(k.getValue())) {
                        throw new ConfigException(source + ": not valid YAML: the key '" + k.getValue() + "' appears twice"
                                + k.getStartMark().map(mk -> " (line " + (mk.getLine() + 1) + ")").orElse(""));
                    }
                    m.put(k.getValue(), toData(t.getValueNode(), source));
                }
                data = m;
            }
            default -> throw new ConfigException(source + ": unsupported YAML node " + node.getNodeType());
        }
        if (custom == null) return data;
        if (custom.equals("ref") || custom.equals("copy")) {
            if (!(data instanceof String expr)) throw new ConfigException(source + ": !" + custom + " must be followed by an expression like <key>");
            return new Ref(expr.trim());
        }
        int colon = custom.indexOf(':');
        String kind = colon < 0 ? custom : custom.substring(0, colon);
        if (colon < 0 || !CONSTRUCTING_TAGS.contains(kind)) {
            throw new ConfigException(source + ": unknown HyperPyYAML tag '" + tag + "'"
                    + node.getStartMark().map(m -> " at line " + (m.getLine() + 1)).orElse(""));
        }
        return new Tagged(kind, custom.substring(colon + 1), "".equals(data) ? null : data);
    }

    private static Object scalar(ScalarNode s) {
        Tag tag = s.getTag();
        String v = s.getValue();
        if (tag.equals(Tag.NULL)) return null;
        if (tag.equals(Tag.BOOL)) return v.equalsIgnoreCase("true");
        if (tag.equals(Tag.INT)) {
            try {
                return Long.decode(v.replace("_", "").replace("0o", "0"));
            } catch (NumberFormatException e) {
                return v;
            }
        }
        if (tag.equals(Tag.FLOAT)) {
            String f = v.toLowerCase();
            if (f.endsWith(".inf")) return f.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            if (f.equals(".nan")) return Double.NaN;
            return Double.parseDouble(v);
        }
        return v;
    }

    // ---- access by dotted path ----------------------------------------------------------------

    /** True when {@code path} names a value (possibly null) in the document. */
    public boolean has(String path) {
        try {
            return lookup(path, false) != MISSING;
        } catch (ConfigException e) {
            return false;
        }
    }

    /** The value at {@code path} ("flow.decoder.estimator.dim"), with {@code !ref}s resolved. */
    public Object get(String path) throws ConfigException {
        Object v = lookup(path, true);
        return resolve(v, path, new HashSet<>());
    }

    private static final Object MISSING = new Object();

    private Object lookup(String path, boolean fail) throws ConfigException {
        Object cur = root;
        StringBuilder walked = new StringBuilder();
        for (String part : path.split("\\.")) {
            cur = resolve(cur, walked.toString(), new HashSet<>());
            if (cur instanceof Tagged t) cur = t.args();
            if (!walked.isEmpty()) walked.append('.');
            walked.append(part);
            if (cur instanceof Map<?, ?> m && m.containsKey(part)) {
                cur = m.get(part);
            } else if (cur instanceof List<?> l && part.matches("\\d+") && Integer.parseInt(part) < l.size()) {
                cur = l.get(Integer.parseInt(part));
            } else {
                if (!fail) return MISSING;
                throw new ConfigException(source + ": " + walked + " is missing");
            }
        }
        return cur;
    }

    private Object resolve(Object v, String where, Set<String> visiting) throws ConfigException {
        if (!(v instanceof Ref ref)) return v;
        String expr = ref.expression();
        Matcher single = REF.matcher(expr);
        if (single.matches()) return resolveKey(single.group(1), where, visiting);
        // an expression: substitute every <key>, then evaluate arithmetic or join as text
        StringBuilder text = new StringBuilder();
        List<Object> values = new ArrayList<>();
        Matcher m = REF.matcher(expr);
        int last = 0;
        while (m.find()) {
            text.append(expr, last, m.start()).append(" \u0000").append(values.size()).append(' ');
            values.add(resolveKey(m.group(1), where, visiting));
            last = m.end();
        }
        text.append(expr.substring(last));
        try {
            return new Arithmetic(text.toString(), values).evaluate();
        } catch (IllegalArgumentException notArithmetic) {
            StringBuilder joined = new StringBuilder();
            m = REF.matcher(expr);
            last = 0;
            int i = 0;
            while (m.find()) {
                joined.append(expr, last, m.start()).append(values.get(i++));
                last = m.end();
            }
            return joined.append(expr.substring(last)).toString();
        }
    }

    private Object resolveKey(String key, String where, Set<String> visiting) throws ConfigException {
        if (!visiting.add(key)) throw new ConfigException(source + ": !ref <" + key + "> at " + where + " refers to itself");
        Object target = lookup(key.replace('[', '.').replace("]", ""), false);
        if (target == MISSING) throw new ConfigException(source + ": " + where + " refers to <" + key + ">, which is missing");
        Object resolved = resolve(target, key, visiting);
        visiting.remove(key);
        return resolved;
    }

    // ---- typed getters with clear errors ------------------------------------------------------

    public int intAt(String path) throws ConfigException {
        Object v = get(path);
        if (v instanceof Long l && l == (int) (long) l) return (int) (long) l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) return (int) (double) d;
        throw wrongType(path, v, "an integer");
    }

    public double doubleAt(String path) throws ConfigException {
        Object v = get(path);
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) { // YAML 1.1 readers keep "1e-06" a string; Python's float() accepts it
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException ignored) {
                // fall through to the error
            }
        }
        throw wrongType(path, v, "a number");
    }

    public boolean booleanAt(String path) throws ConfigException {
        Object v = get(path);
        if (v instanceof Boolean b) return b;
        throw wrongType(path, v, "true or false");
    }

    public String stringAt(String path) throws ConfigException {
        Object v = get(path);
        if (v instanceof String s) return s;
        throw wrongType(path, v, "a string");
    }

    /** A value that may be {@code null} in the yaml (e.g. {@code fmax: null}). */
    public Double nullableDoubleAt(String path) throws ConfigException {
        return get(path) == null ? null : doubleAt(path);
    }

    public int[] intsAt(String path) throws ConfigException {
        Object v = get(path);
        if (!(v instanceof List<?> list)) throw wrongType(path, v, "a list of integers");
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = intAt(path + "." + i);
        return out;
    }

    public int[][] intListsAt(String path) throws ConfigException {
        Object v = get(path);
        if (!(v instanceof List<?> list)) throw wrongType(path, v, "a list of integer lists");
        int[][] out = new int[list.size()][];
        for (int i = 0; i < out.length; i++) out[i] = intsAt(path + "." + i);
        return out;
    }

    /** The Python class or function a {@code !new:}/{@code !name:} node names, e.g. "cosyvoice.llm.llm.CosyVoice3LM". */
    public String classAt(String path) throws ConfigException {
        Object v = get(path);
        if (v instanceof Tagged t) return t.target();
        throw wrongType(path, v, "a !new: or !name: object");
    }

    private ConfigException wrongType(String path, Object v, String expected) {
        String got = v == null ? "null" : v instanceof String s ? "'" + s + "'" : String.valueOf(v);
        return new ConfigException(source + ": " + path + " is " + got + ", expected " + expected);
    }

    /** Integer and float arithmetic over substituted references: + - * / // % and parentheses. */
    private static final class Arithmetic {
        private final String text;
        private final List<Object> values;
        private int pos;

        Arithmetic(String text, List<Object> values) {
            this.text = text;
            this.values = values;
        }

        Object evaluate() {
            Number n = sum();
            skip();
            if (pos != text.length()) throw new IllegalArgumentException("trailing text");
            return n;
        }

        private void skip() { while (pos < text.length() && text.charAt(pos) == ' ') pos++; }

        private Number sum() {
            Number a = product();
            for (skip(); pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-'); skip()) {
                char op = text.charAt(pos++);
                Number b = product();
                a = both(a, b) ? (Number) (op == '+' ? a.longValue() + b.longValue() : a.longValue() - b.longValue())
                        : (Number) (op == '+' ? a.doubleValue() + b.doubleValue() : a.doubleValue() - b.doubleValue());
            }
            return a;
        }

        private Number product() {
            Number a = atom();
            for (skip(); pos < text.length() && "*/%".indexOf(text.charAt(pos)) >= 0; skip()) {
                char op = text.charAt(pos++);
                boolean floorDiv = op == '/' && pos < text.length() && text.charAt(pos) == '/';
                if (floorDiv) pos++;
                Number b = atom();
                if (op == '*') a = both(a, b) ? (Number) (a.longValue() * b.longValue()) : (Number) (a.doubleValue() * b.doubleValue());
                else if (floorDiv) a = both(a, b) ? (Number) Math.floorDiv(a.longValue(), b.longValue()) : (Number) Math.floor(a.doubleValue() / b.doubleValue());
                else if (op == '/') a = a.doubleValue() / b.doubleValue(); // Python 3 true division
                else a = both(a, b) ? (Number) Math.floorMod(a.longValue(), b.longValue()) : (Number) (a.doubleValue() % b.doubleValue());
            }
            return a;
        }

        private Number atom() {
            skip();
            if (pos >= text.length()) throw new IllegalArgumentException("expression ends early");
            char c = text.charAt(pos);
            if (c == '(') {
                pos++;
                Number n = sum();
                skip();
                if (pos >= text.length() || text.charAt(pos++) != ')') throw new IllegalArgumentException("unbalanced parenthesis");
                return n;
            }
            if (c == '-') { pos++; Number n = atom(); return n instanceof Long l ? (Number) (-l) : (Number) (-n.doubleValue()); }
            if (c == '\u0000') {
                pos++;
                int start = pos;
                while (pos < text.length() && Character.isDigit(text.charAt(pos))) pos++;
                Object v = values.get(Integer.parseInt(text.substring(start, pos)));
                if (v instanceof Long || v instanceof Double) return (Number) v;
                throw new IllegalArgumentException("not a number: " + v);
            }
            int start = pos;
            while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || ".eE".indexOf(text.charAt(pos)) >= 0)) pos++;
            String num = text.substring(start, pos);
            if (num.isEmpty()) throw new IllegalArgumentException("not arithmetic at " + start);
            return num.matches("\\d+") ? (Number) Long.parseLong(num) : (Number) Double.parseDouble(num);
        }

        private static boolean both(Number a, Number b) { return a instanceof Long && b instanceof Long; }
    }
}
