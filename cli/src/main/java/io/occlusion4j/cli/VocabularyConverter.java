// picocli converters for flags whose values the engine's API types parse (one grammar for the CLI and the server).
package io.occlusion4j.cli;

import io.occlusion4j.Backend;
import io.occlusion4j.InvalidOptionException;
import io.occlusion4j.Layout;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * Converts a flag's text with the engine's parser ({@link Backend#parse}, {@link Layout#parse}, ...); its
 * {@link InvalidOptionException} becomes picocli's usage error ("Invalid value for option '--layout': 'chw' (expected ...)").
 */
abstract class VocabularyConverter<T> implements CommandLine.ITypeConverter<T> {
    private final Function<String, T> parser;

    VocabularyConverter(Function<String, T> parser) {
        this.parser = parser;
    }

    @Override
    public T convert(String value) {
        try {
            return parser.apply(value);
        } catch (InvalidOptionException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' (" + e.problem() + ")");
        }
    }

    static final class ToBackend extends VocabularyConverter<Backend> {
        ToBackend() {
            super(Backend::parse);
        }
    }

    static final class ToLayout extends VocabularyConverter<Layout> {
        ToLayout() {
            super(Layout::parse);
        }
    }
}
