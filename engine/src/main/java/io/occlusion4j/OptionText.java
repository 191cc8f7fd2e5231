// The grammar of option values shared by the API types' parse methods: names, integer lists, switches.
package io.occlusion4j;

import java.util.Arrays;
import java.util.Locale;

/** Reads the pieces option values are made of; every failure is an {@link InvalidOptionException} naming the option. */
final class OptionText {
    private OptionText() {}

    /** The constant of {@code type} whose name is {@code text} in any case (the vocabulary writes them in lower case). */
    static <E extends Enum<E>> E constant(String option, String text, Class<E> type) {
        String t = text.strip();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(t)) {
                return e;
            }
        }
        throw new InvalidOptionException(option, text, "expected one of " + String.join(", ",
                Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList()));
    }

    /**
     * {@code N} or {@code N,N,..}: integers, each at least {@code min}; {@code why} is the problem when one is not
     * ("each value must be >= 1 (...)").
     */
    static int[] integers(String option, String text, int min, String why) {
        String[] parts = text.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                out[i] = Integer.MIN_VALUE;
            }
            if (out[i] < min) {
                throw new InvalidOptionException(option, text, why);
            }
        }
        return out;
    }

    /** One integer of at least {@code min}. */
    static int integer(String option, String text, int min, String why) {
        int[] v = integers(option, text, min, why);
        if (v.length != 1) {
            throw new InvalidOptionException(option, text, why);
        }
        return v[0];
    }

    /** A switch: empty (given without a value), true/1/yes or false/0/no. */
    static boolean on(String option, String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "", "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new InvalidOptionException(option, text, "expected true or false");
        };
    }
}
