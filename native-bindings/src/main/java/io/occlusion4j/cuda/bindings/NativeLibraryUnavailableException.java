// Thrown by a binding whose library or symbol could not be found: names which, and why.
package io.occlusion4j.cuda.bindings;

/**
 * A native function was called but could not be linked: its library was not found (the reason
 * lists the paths tried) or the library lacks the symbol (for example an older driver).
 */
public final class NativeLibraryUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final CudaLibrary library;
    private final String symbol;
    private final String reason;

    public NativeLibraryUnavailableException(CudaLibrary library, String symbol, String reason) {
        super("cannot call " + symbol + ": " + library.displayName() + " is unavailable: " + reason);
        this.library = library;
        this.symbol = symbol;
        this.reason = reason;
    }

    public CudaLibrary library() {
        return library;
    }

    public String symbol() {
        return symbol;
    }

    public String reason() {
        return reason;
    }
}
