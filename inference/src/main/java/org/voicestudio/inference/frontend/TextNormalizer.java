package org.voicestudio.inference.frontend;

import com.ibm.icu.text.RuleBasedNumberFormat;
import com.ibm.icu.util.ULocale;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Text normalization in the text's own language: abbreviations, dates, clock times, money,
 * percentages, ordinals and numbers become words, read with ICU's rule-based spellout for the
 * language's locale and the patterns of its {@link LanguageRules} table. (The official pipeline
 * reads every non-Chinese number in English through {@code inflect}; here "23" in Spanish is
 * "veintitrés".) Special tokens and inline tags ({@code <|endofprompt|>}, {@code [breath]},
 * {@code <strong>}, phone tokens like {@code [AA1]}) are passed through untouched.
 */
public final class TextNormalizer {
    private static final Pattern PROTECTED_GENERIC = Pattern.compile("<\\|[^|<>]*\\|>");
    private static final String NOT_WORD_BEFORE = "(?<![\\p{L}\\p{N}])";
    private static final String NOT_WORD_AFTER = "(?![\\p{L}\\p{N}])";

    private final LanguageRules rules;
    private final RuleBasedNumberFormat spellout;
    private final Pattern protectedSpans;
    private final Pattern abbreviations;
    private final Pattern isoDate;
    private final Pattern slashDate;
    private final Pattern time;
    private final Pattern currencyBefore;
    private final Pattern currencyAfter;
    private final Pattern percent;
    private final Pattern ordinal;
    private final Pattern number;
    private final Pattern symbols;
    private final Map<String, LanguageRules.Currency> currencyBySymbol = new HashMap<>();
    private final Map<String, String> ordinalRuleSet = new HashMap<>();

    public TextNormalizer(LanguageRules rules) {
        this.rules = rules;
        this.spellout = new RuleBasedNumberFormat(new ULocale(rules.locale()), RuleBasedNumberFormat.SPELLOUT);
        List<String> ruleSets = List.of(spellout.getRuleSetNames());
        for (String rs : ruleSetsUsed(rules)) {
            if (!ruleSets.contains(rs)) throw new IllegalArgumentException("language '" + rules.code() + "': ICU has no rule set " + rs + " for locale " + rules.locale() + "; it has " + ruleSets);
        }
        this.protectedSpans = Pattern.compile(alternation(SpecialTokens.all()) + "|" + PROTECTED_GENERIC.pattern());
        this.abbreviations = rules.abbreviations().isEmpty() ? null
                : Pattern.compile("(?<!\\p{L})(?:" + alternation(rules.abbreviations().keySet()) + ")(?!\\p{L})");

        String g = Pattern.quote(rules.groupSeparator());
        String d = Pattern.quote(rules.decimalSeparator());
        String amount = "(?:\\d{1,3}(?:" + g + "\\d{3})+|\\d+)(?:" + d + "\\d+)?";
        String signed = "(?:(?<![\\p{L}\\p{N}])-)?(?<!\\d)" + amount + "(?!\\d)";
        this.isoDate = Pattern.compile("(?<![\\d-])(\\d{4})-(\\d{1,2})-(\\d{1,2})(?![\\d-])");
        this.slashDate = Pattern.compile("(?<![\\d/])(\\d{1,2})/(\\d{1,2})/(\\d{4})(?![\\d/])");
        this.time = Pattern.compile("(?<![\\d:])(\\d{1,2}):(\\d{2})(?![\\d:])");

        List<String> currencySymbols = new ArrayList<>();
        for (LanguageRules.Currency c : rules.currencies()) for (String s : c.symbols()) { currencyBySymbol.put(s, c); currencySymbols.add(s); }
        String sym = alternation(currencySymbols);
        this.currencyBefore = Pattern.compile("(" + sym + ")\\s?(" + signed + ")");
        this.currencyAfter = Pattern.compile("(" + signed + ")\\s?(" + sym + ")(?!\\p{L})");
        this.percent = Pattern.compile("(" + signed + ")\\s?%");
        for (LanguageRules.Ordinal o : rules.ordinals()) ordinalRuleSet.put(o.suffix(), o.ruleSet());
        this.ordinal = rules.ordinals().isEmpty() ? null
                : Pattern.compile(NOT_WORD_BEFORE + "(\\d+)(" + alternation(ordinalRuleSet.keySet()) + ")" + NOT_WORD_AFTER);
        this.number = Pattern.compile(signed);
        this.symbols = rules.symbols().isEmpty() ? null : Pattern.compile("\\s*(?:" + alternation(rules.symbols().keySet()) + ")\\s*");
    }

    /** The normalizer of a language code with a rule table ("es", "en", ...). */
    public static TextNormalizer forLanguage(String code) { return new TextNormalizer(LanguageRules.load(code)); }

    public LanguageRules rules() { return rules; }

    /** {@code text} with numbers, dates, times, money and abbreviations in words; tags untouched. */
    public synchronized String normalize(String text) {
        StringBuilder out = new StringBuilder();
        Matcher m = protectedSpans.matcher(text);
        int last = 0;
        while (m.find()) {
            out.append(normalizePlain(text.substring(last, m.start())));
            out.append(m.group());
            last = m.end();
        }
        out.append(normalizePlain(text.substring(last)));
        return out.toString();
    }

    private String normalizePlain(String s) {
        if (s.isEmpty()) return s;
        if (abbreviations != null) s = replace(s, abbreviations, r -> rules.abbreviations().get(r.group()));
        s = replace(s, isoDate, r -> date(r.group(3), r.group(2), r.group(1), r.group()));
        s = replace(s, slashDate, r -> "DMY".equals(rules.dateOrder())
                ? date(r.group(1), r.group(2), r.group(3), r.group())
                : date(r.group(2), r.group(1), r.group(3), r.group()));
        s = replace(s, time, this::clock);
        s = replace(s, currencyBefore, r -> money(r.group(2), r.group(1)));
        s = replace(s, currencyAfter, r -> money(r.group(1), r.group(2)));
        s = replace(s, percent, r -> spell(parse(r.group(1)), rules.numberRuleSet()) + " " + rules.percent());
        if (ordinal != null) s = replace(s, ordinal, r -> spell(new BigDecimal(r.group(1)), ordinalRuleSet.get(r.group(2))));
        s = replace(s, number, r -> spell(parse(r.group()), rules.numberRuleSet()));
        if (symbols != null) s = replace(s, symbols, r -> " " + rules.symbols().get(r.group().strip()) + " ");
        return s;
    }

    private String date(String day, String month, String year, String original) {
        int dd = Integer.parseInt(day), mm = Integer.parseInt(month);
        if (dd < 1 || dd > 31 || mm < 1 || mm > 12) return original;
        return rules.datePattern()
                .replace("{day}", spell(BigDecimal.valueOf(dd), rules.dayRuleSet()))
                .replace("{month}", rules.months().get(mm - 1))
                .replace("{year}", spell(new BigDecimal(year), rules.yearRuleSet()));
    }

    private String clock(MatchResult r) {
        int h = Integer.parseInt(r.group(1)), min = Integer.parseInt(r.group(2));
        if (h > 24 || min > 59) return r.group();
        String hour = spell(BigDecimal.valueOf(h), rules.numberRuleSet());
        LanguageRules.Time t = rules.time();
        if (min == 0) return t.oclock().replace("{hour}", hour);
        String minute = spell(BigDecimal.valueOf(min), rules.numberRuleSet());
        if (min < 10 && t.minuteBelowTen() != null) minute = t.minuteBelowTen().replace("{minute}", minute);
        return t.hourMinute().replace("{hour}", hour).replace("{minute}", minute);
    }

    private String money(String amountText, String symbol) {
        LanguageRules.Currency c = currencyBySymbol.get(symbol);
        BigDecimal amount = parse(amountText).setScale(2, RoundingMode.HALF_EVEN);
        boolean negative = amount.signum() < 0;
        amount = amount.abs();
        BigDecimal major = amount.setScale(0, RoundingMode.DOWN);
        int minor = amount.subtract(major).movePointRight(2).intValueExact();
        StringBuilder sb = new StringBuilder();
        if (major.signum() > 0 || minor == 0) {
            // the sign is read with the first number ("minus five dollars")
            sb.append(spell(negative ? major.negate() : major, rules.countRuleSet())).append(' ').append(major.compareTo(BigDecimal.ONE) == 0 ? c.one() : c.other());
            if (minor > 0) sb.append(' ').append(rules.currencyJoin()).append(' ');
            negative = false;
        }
        if (minor > 0) sb.append(spell(BigDecimal.valueOf(negative ? -minor : minor), rules.countRuleSet())).append(' ').append(minor == 1 ? c.minorOne() : c.minorOther());
        return sb.toString();
    }

    private BigDecimal parse(String amountText) {
        String plain = amountText.replace(rules.groupSeparator(), "").replace(rules.decimalSeparator(), ".");
        return new BigDecimal(plain);
    }

    /** Spells a number with an ICU rule set; soft hyphens (German compounds) are dropped. */
    private String spell(BigDecimal n, String ruleSet) {
        String words;
        if (n.scale() <= 0 || n.stripTrailingZeros().scale() <= 0) {
            BigDecimal i = n.setScale(0, RoundingMode.UNNECESSARY);
            if (i.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 2)) > 0) return digitByDigit(i.toPlainString(), ruleSet);
            words = spellout.format(i.longValueExact(), ruleSet);
        } else {
            words = spellout.format(n.doubleValue(), ruleSet);
        }
        return words.replace("\u00AD", "");
    }

    private String digitByDigit(String digits, String ruleSet) {
        return digits.chars().filter(Character::isDigit).mapToObj(ch -> spellout.format(ch - '0', ruleSet)).collect(Collectors.joining(" "));
    }

    /** Replaces every match; a replacement next to a letter or digit gets a separating space. */
    private static String replace(String s, Pattern p, Function<MatchResult, String> f) {
        Matcher m = p.matcher(s);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            String rep = f.apply(m.toMatchResult());
            out.append(s, last, m.start());
            if (m.start() > 0 && Character.isLetterOrDigit(s.charAt(m.start() - 1)) && !rep.startsWith(" ")) out.append(' ');
            out.append(rep);
            if (m.end() < s.length() && Character.isLetterOrDigit(s.charAt(m.end())) && !rep.endsWith(" ")) out.append(' ');
            last = m.end();
        }
        out.append(s, last, s.length());
        return out.toString();
    }

    /** A regex matching any of the literals, longest first. */
    private static String alternation(java.util.Collection<String> literals) {
        return literals.stream().sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .map(Pattern::quote).collect(Collectors.joining("|"));
    }

    private static List<String> ruleSetsUsed(LanguageRules r) {
        List<String> out = new ArrayList<>(List.of(r.numberRuleSet(), r.countRuleSet(), r.yearRuleSet(), r.dayRuleSet()));
        for (LanguageRules.Ordinal o : r.ordinals()) out.add(o.ruleSet());
        return out;
    }
}
