// A value of the shared option vocabulary (--fill, --edge, window=, ...) that cannot be used, naming the option.
package io.occlusion4j;

/**
 * An option of the shared vocabulary (the command line's flags, the HTTP service's parameters, the batch
 * job's options) has a value that cannot be used. The message starts with the option's name, as the
 * vocabulary spells it ({@code fill}, {@code window}, {@code top-k}, ...), so a front end can name its own
 * spelling of it ({@code --fill}, {@code fill=}); {@link #option()} gives the name alone.
 */
public final class InvalidOptionException extends IllegalArgumentException {
    private final String option;

    /**
     * @param option the option's name in the vocabulary
     * @param rest   what follows the name in the message, e.g. {@code "'wrap' is not one of crop, inside, shift"}
     */
    public InvalidOptionException(String option, String rest) {
        super(option + " " + rest);
        this.option = option;
    }

    /** The option's name in the vocabulary ({@code fill}, {@code window}, {@code top-k}, ...). */
    public String option() {
        return option;
    }
}
