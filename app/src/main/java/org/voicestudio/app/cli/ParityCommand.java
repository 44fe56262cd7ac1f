package org.voicestudio.app.cli;

import org.voicestudio.app.cli.parity.Comparison;
import org.voicestudio.app.cli.parity.FlowParity;
import org.voicestudio.app.cli.parity.FrontendParity;
import org.voicestudio.app.cli.parity.GoldenFixture;
import org.voicestudio.app.cli.parity.LlmParity;
import org.voicestudio.app.cli.parity.Token2WavParity;
import org.voicestudio.app.cli.parity.VocoderParity;
import org.voicestudio.app.cli.parity.ParityGroup;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code studio parity}: recomputes every reference tensor of a golden fixture from its recorded
 * inputs on the reference engine (DJL) and prints one line per tensor: name, max abs error, max
 * error relative to the reference's peak, tolerance, OK/FAIL. Inputs are listed as such; tensors no
 * check produces are listed as skipped. Exits 1 on any FAIL.
 */
@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Check the reference engine against golden tensors (e.g. ../shared/golden/cv3-tiny/golden.safetensors).")
public final class ParityCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the model folder the golden tensors were made from")
    Path model;

    @Option(names = "--golden", required = true, paramLabel = "FILE", description = "golden tensors (.safetensors); a golden.md next to it marks the inputs")
    Path golden;

    @Option(names = "--only", paramLabel = "PREFIX", description = "check only tensors whose name starts with PREFIX (fe_, llm_, flow_, hift_, e2e_)")
    String only;

    @Spec CommandSpec spec;

    /** The checks, in the order of the pipeline. */
    static List<ParityGroup> groups() {
        return List.of(new FrontendParity(), new LlmParity(), new FlowParity(), new VocoderParity(), new Token2WavParity());
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(golden)) throw new IllegalArgumentException("golden file " + golden + " does not exist");
        Set<String> inputs = inputsListedIn(golden.resolveSibling("golden.md"));
        Map<String, String> groupErrors = new LinkedHashMap<>();   // prefix -> why its group could not run
        int ok = 0, fail = 0, skipped = 0;
        try (StateDict tensors = SafeTensors.read(golden); ModelFolder folder = ModelFolder.open(model)) {
            GoldenFixture fixture = new GoldenFixture(tensors);
            for (ParityGroup group : groups()) {
                if (only != null && group.prefixes().stream().noneMatch(p -> p.startsWith(only) || only.startsWith(p))) continue;
                try {
                    group.run(folder, fixture);
                } catch (Exception | LinkageError e) {
                    String why = group.name() + " failed: " + (e.getMessage() != null ? e.getMessage() : e.toString());
                    for (String p : group.prefixes()) groupErrors.put(p, why);
                    if (System.getenv("VOICESTUDIO_DEBUG") != null) e.printStackTrace(out);
                }
            }
            out.printf("%-28s %10s %10s %10s  %s%n", "tensor", "max abs", "max rel", "tolerance", "result");
            for (String name : fixture.names()) {
                if (only != null && !name.startsWith(only)) continue;
                Comparison c = fixture.results().get(name);
                if (c != null) {
                    out.println(c.line());
                    if (c.ok()) ok++;
                    else fail++;
                } else if (inputs.contains(name)) {
                    out.printf("%-28s %10s %10s %10s  %s%n", name, "", "", "", "input");
                } else {
                    String error = groupErrors.entrySet().stream().filter(e -> name.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse(null);
                    if (error != null) {
                        out.printf("%-28s %10s %10s %10s  FAIL (%s)%n", name, "-", "-", "-", error);
                        fail++;
                    } else {
                        out.printf("%-28s %10s %10s %10s  skipped (no check computes it)%n", name, "", "", "");
                        skipped++;
                    }
                }
            }
        }
        out.printf("%d OK, %d FAIL, %d skipped%n", ok, fail, skipped);
        out.flush();
        return fail == 0 ? 0 : 1;
    }

    private static final Pattern INPUT_ROW = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|.*\\|\\s*(INPUT\\.|[A-Za-z]+\\.rand_noise|SineGen2\\.|SourceModuleHnNSF\\.|scipy\\.)");

    /**
     * Names golden.md marks as inputs or fixed random tensors (its table rows whose description starts
     * with "INPUT." or names the constructor-time noise); empty if there is no golden.md.
     */
    static Set<String> inputsListedIn(Path doc) throws IOException {
        Set<String> names = new HashSet<>();
        if (!Files.isRegularFile(doc)) return names;
        for (String line : Files.readAllLines(doc)) {
            Matcher m = INPUT_ROW.matcher(line);
            if (m.find()) names.add(m.group(1));
        }
        return names;
    }
}
