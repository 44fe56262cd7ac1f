package org.voicestudio.inference.frontend;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How one language reads numbers, dates, times, money and abbreviations: a rule table in
 * {@code lang/<code>.json} (listed in {@code lang/languages.txt}). Number words come from ICU's
 * rule-based spellout for {@code locale}; the rule-set names choose the form (numbering, cardinal
 * before a noun, year, ordinal). A new language is a new table, not new code.
 *
 * @param numberRuleSet   standalone numbers ("23" → "veintitrés")
 * @param countRuleSet    amounts before a unit noun ("1 €" → "un euro")
 * @param yearRuleSet     years in dates ("2024" → "twenty twenty-four")
 * @param dayRuleSet      the day of a date ("25" → "twenty-fifth" in English, "veinticinco" in Spanish)
 * @param dateOrder       order of numeric dates with slashes: "DMY" or "MDY"
 * @param datePattern     how a date is read, with {day}, {month}, {year}
 * @param ordinals        digit suffixes marking ordinals ("1.º", "2nd") and the rule set each uses
 * @param abbreviations   literal abbreviation → expansion (matched whole, case-sensitive)
 * @param symbols         literal symbol → words
 */
public record LanguageRules(String code, String name, String locale,
                            String numberRuleSet, String countRuleSet, String yearRuleSet, String dayRuleSet,
                            String decimalSeparator, String groupSeparator, String percent,
                            String currencyJoin, List<Currency> currencies, List<Ordinal> ordinals,
                            List<String> months, String dateOrder, String datePattern, Time time,
                            Map<String, String> abbreviations, Map<String, String> symbols) {

    /** A currency: its symbols or codes (before or after the amount) and unit names. */
    public record Currency(List<String> symbols, String one, String other, String minorOne, String minorOther) {}

    /** Digits followed by {@code suffix} are an ordinal read with {@code ruleSet}. */
    public record Ordinal(String suffix, String ruleSet) {}

    /** Clock times "H:MM": {hour}/{minute} patterns; {@code minuteBelowTen} for "9:05" if the language has one. */
    public record Time(String hourMinute, String oclock, String minuteBelowTen) {}

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public LanguageRules {
        if (months == null || months.size() != 12) throw new IllegalArgumentException("language '" + code + "': months must list 12 names");
        if (!"DMY".equals(dateOrder) && !"MDY".equals(dateOrder)) throw new IllegalArgumentException("language '" + code + "': dateOrder must be DMY or MDY, got " + dateOrder);
        currencies = List.copyOf(currencies);
        ordinals = List.copyOf(ordinals);
        months = List.copyOf(months);
        abbreviations = Map.copyOf(abbreviations);
        symbols = Map.copyOf(symbols);
    }

    /** The rule table of {@code code} (e.g. "es", "en"). */
    public static LanguageRules load(String code) {
        if (!available().contains(code)) {
            throw new IllegalArgumentException("no text rules for language '" + code + "'; available: " + String.join(", ", available()));
        }
        try (InputStream in = LanguageRules.class.getResourceAsStream("lang/" + code + ".json")) {
            if (in == null) throw new IllegalStateException("lang/" + code + ".json is listed but missing from the class path");
            return JSON.readValue(in, LanguageRules.class);
        } catch (IOException e) {
            throw new UncheckedIOException("lang/" + code + ".json: " + e.getMessage(), e);
        }
    }

    /** Codes of the languages that have a rule table. */
    public static List<String> available() {
        try (InputStream in = LanguageRules.class.getResourceAsStream("lang/languages.txt")) {
            if (in == null) throw new IllegalStateException("lang/languages.txt is missing from the class path");
            List<String> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    line = line.strip();
                    if (!line.isEmpty() && !line.startsWith("#")) out.add(line);
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
