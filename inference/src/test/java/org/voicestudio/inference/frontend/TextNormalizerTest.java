package org.voicestudio.inference.frontend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TextNormalizerTest {
    private static final TextNormalizer ES = TextNormalizer.forLanguage("es");
    private static final TextNormalizer EN = TextNormalizer.forLanguage("en");

    @Test
    void spanishNumbersAreReadInSpanish() {
        assertEquals("Tengo veintitrés años.", ES.normalize("Tengo 23 años."));
        assertEquals("Pi vale tres coma uno cuatro", ES.normalize("Pi vale 3,14"));
        assertEquals("un millón de habitantes y mil doscientos treinta y cuatro coches", ES.normalize("1.000.000 de habitantes y 1.234 coches"));
        assertEquals("Hace menos cinco grados", ES.normalize("Hace -5 grados"));
        assertEquals("el MP tres", ES.normalize("el MP3"));
    }

    @Test
    void spanishMoneyPercentagesAndOrdinals() {
        assertEquals("Cuesta tres euros con cincuenta céntimos.", ES.normalize("Cuesta 3,50 €."));
        assertEquals("Son veintiún euros", ES.normalize("Son 21€"));
        assertEquals("un dólar", ES.normalize("$1"));
        assertEquals("El cincuenta por ciento sube", ES.normalize("El 50 % sube"));
        assertEquals("doce coma cinco por ciento", ES.normalize("12,5%"));
        assertEquals("Llegó primero y ella tercera", ES.normalize("Llegó 1.º y ella 3.ª"));
        assertEquals("el primer día", ES.normalize("el 1.er día"));
    }

    @Test
    void spanishDatesTimesAndAbbreviations() {
        assertEquals("El veinticinco de diciembre de dos mil veinticuatro a las catorce y treinta.",
                ES.normalize("El 25/12/2024 a las 14:30."));
        assertEquals("uno de marzo de dos mil veinticuatro", ES.normalize("2024-03-01"));
        assertEquals("a las diez en punto", ES.normalize("a las 10:00"));
        assertEquals("El señor García y la doctora López, etcétera", ES.normalize("El Sr. García y la Dra. López, etc."));
        assertEquals("Juan y Ana", ES.normalize("Juan & Ana"));
    }

    @Test
    void englishNumbersMoneyAndPercentages() {
        assertEquals("I am twenty-three.", EN.normalize("I am 23."));
        assertEquals("It costs three dollars and fifty cents.", EN.normalize("It costs $3.50."));
        assertEquals("one dollar and one cent", EN.normalize("$1.01"));
        assertEquals("one million two hundred thirty-four thousand five hundred sixty-seven point five",
                EN.normalize("1,234,567.5"));
        assertEquals("fifty percent off", EN.normalize("50% off"));
        assertEquals("ten pounds", EN.normalize("£10"));
        assertEquals("first, second, third and twenty-second", EN.normalize("1st, 2nd, 3rd and 22nd"));
    }

    @Test
    void englishDatesTimesAndAbbreviations() {
        assertEquals("On December twenty-fifth, twenty twenty-four at nine oh five",
                EN.normalize("On 12/25/2024 at 9:05"));
        assertEquals("March first, twenty twenty-four", EN.normalize("2024-03-01"));
        assertEquals("at ten o'clock", EN.normalize("at 10:00"));
        assertEquals("doctor Smith and mister Jones", EN.normalize("Dr. Smith & Mr. Jones"));
    }

    @Test
    void impossibleDatesAndTimesAreLeftToTheNumberReader() {
        assertEquals("treinta y dos/trece/dos mil veinticuatro", ES.normalize("32/13/2024").replace(" / ", "/"));
        assertEquals("twenty-five:seventy", EN.normalize("25:70").replace(" : ", ":"));
    }

    @Test
    void tagsAndSpecialTokensPassThroughUntouched() {
        assertEquals("Hola [breath] <strong>veintitrés</strong> <|endofprompt|>[AA1][j][ǐ] cinco",
                ES.normalize("Hola [breath] <strong>23</strong> <|endofprompt|>[AA1][j][ǐ] 5"));
        assertEquals("You are a helpful assistant.<|endofprompt|>I have two cats [laughter].",
                EN.normalize("You are a helpful assistant.<|endofprompt|>I have 2 cats [laughter]."));
    }

    @Test
    void unknownLanguageIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextNormalizer.forLanguage("xx"));
        assertTrue(e.getMessage().contains("'xx'") && e.getMessage().contains("es, en"), e.getMessage());
    }

    @Test
    void moreLanguagesAreOnlyRuleTables() {
        assertEquals("J'ai vingt-trois ans et vingt-cinq décembre deux mille vingt-quatre, trois euros et cinquante centimes",
                TextNormalizer.forLanguage("fr").normalize("J'ai 23 ans et 25/12/2024, 3,50 €"));
        assertEquals("Ich bin dreiundzwanzig, am fünfundzwanzigsten Dezember zweitausendvierundzwanzig um vierzehn Uhr dreißig",
                TextNormalizer.forLanguage("de").normalize("Ich bin 23, am 25/12/2024 um 14:30"));
        assertEquals("Ho ventitré anni, il cinquanta per cento", TextNormalizer.forLanguage("it").normalize("Ho 23 anni, il 50%"));
        assertEquals("Tenho vinte e três anos e dez reais", TextNormalizer.forLanguage("pt").normalize("Tenho 23 anos e R$ 10"));
        assertEquals(java.util.List.of("es", "en", "fr", "de", "it", "pt"), LanguageRules.available());
    }
}
