package org.voicestudio.app.cli;

import picocli.CommandLine;

import java.util.Arrays;

/** Parses {@code --text-ids 1,2,3}: comma-separated non-negative token ids. */
final class IdList implements CommandLine.ITypeConverter<int[]> {
    @Override
    public int[] convert(String value) {
        if (value.isBlank()) return new int[0];
        try {
            int[] ids = Arrays.stream(value.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            for (int id : ids) if (id < 0) throw new CommandLine.TypeConversionException("negative token id " + id + " in '" + value + "'");
            return ids;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a comma-separated list of token ids (e.g. 12,7,301)");
        }
    }
}
