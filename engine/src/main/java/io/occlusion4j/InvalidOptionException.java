// A value of the shared option vocabulary (--fill, --edge, window=, ...) that cannot be used, naming the option.
package io.occlusion4j;

/**
 * An option of the shared vocabulary (the command line's flags, the HTTP service's parameters, a batch job's
 * options) cannot be used. It names the option as the vocabulary spells it ({@code fill}, {@code window},
 * {@code top-k}, ...), the value given when one value is at fault, and the problem, so each front end can say it
 * in its own spelling ({@code --fill}, {@code fill=}). The message reads
 * {@code invalid fill 'grey': expected VALUE, ...} or, about no single value, {@code window has 3 values but ...}.
 */
public final class InvalidOptionException extends IllegalArgumentException {
    private final String option;
    private final String value;
    private final String problem;

    /**
     * @param option  the option's name in the vocabulary
     * @param value   the value at fault, or {@code null} when the problem is not one value's
     * @param problem what is wrong: after the value ("expected one of crop, inside, shift"), or, with no value,
     *                a phrase that follows the option's name ("has 3 values but the input has 2 spatial axes")
     */
    public InvalidOptionException(String option, String value, String problem) {
        super(value == null ? option + " " + problem : "invalid " + option + " '" + value + "': " + problem);
        this.option = option;
        this.value = value;
        this.problem = problem;
    }

    /** The option's name in the vocabulary ({@code fill}, {@code window}, {@code top-k}, ...). */
    public String option() {
        return option;
    }

    /** The value at fault, or {@code null} when the problem is not one value's. */
    public String value() {
        return value;
    }

    /** What is wrong, without the option's name and value. */
    public String problem() {
        return problem;
    }
}
