// The outcome of looking for one library: where it was loaded from, or why it was not.
package io.occlusion4j.cuda.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A library found (with its lookup) or not found (with the reason), plus every place tried. Bindings
 * link through {@link #downcallHandle}: for a missing library or symbol it returns a handle of the
 * same type that throws {@link NativeLibraryUnavailableException}, so nothing fails before a call.
 */
public final class LoadedLibrary {

    private static final MethodHandle NEW_UNAVAILABLE;

    static {
        try {
            NEW_UNAVAILABLE = MethodHandles.lookup().findConstructor(NativeLibraryUnavailableException.class,
                    MethodType.methodType(void.class, CudaLibrary.class, String.class, String.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CudaLibrary library;
    private final Path path;
    private final SymbolLookup lookup;
    private final List<String> tried;
    private final String reason;

    private LoadedLibrary(CudaLibrary library, Path path, SymbolLookup lookup, List<String> tried, String reason) {
        this.library = Objects.requireNonNull(library);
        this.path = path;
        this.lookup = lookup;
        this.tried = List.copyOf(tried);
        this.reason = Objects.requireNonNull(reason);
    }

    static LoadedLibrary found(CudaLibrary library, Path path, SymbolLookup lookup, List<String> tried, String how) {
        return new LoadedLibrary(library, path, Objects.requireNonNull(lookup), tried, how);
    }

    static LoadedLibrary missing(CudaLibrary library, List<String> tried, String reason) {
        return new LoadedLibrary(library, null, null, tried, reason);
    }

    public CudaLibrary library() {
        return library;
    }

    public boolean isFound() {
        return lookup != null;
    }

    SymbolLookup lookup() {
        return lookup;
    }

    /** The file loaded (resolved through the process's mappings when loaded by soname). */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /** Every candidate tried, in order, each with its outcome. */
    public List<String> tried() {
        return tried;
    }

    /** How it was found, or why it was not: readable by a person running {@code doctor}. */
    public String reason() {
        return reason;
    }

    /** The symbol's address, or {@link MemorySegment#NULL} when the library or the symbol is missing. */
    public MemorySegment find(String symbol) {
        return lookup == null ? MemorySegment.NULL : lookup.find(symbol).orElse(MemorySegment.NULL);
    }

    public boolean hasSymbol(String symbol) {
        return !find(symbol).equals(MemorySegment.NULL);
    }

    /** The address, or the exception explaining why there is none. */
    public MemorySegment requireAddress(String symbol, MemorySegment address) {
        if (address.equals(MemorySegment.NULL)) {
            throw new NativeLibraryUnavailableException(library, symbol, whyMissing(symbol));
        }
        return address;
    }

    /** A downcall for the symbol, or a handle of the same type that throws the reason it is missing. */
    public MethodHandle downcallHandle(String symbol, MemorySegment address, FunctionDescriptor descriptor) {
        if (!address.equals(MemorySegment.NULL)) {
            return Linker.nativeLinker().downcallHandle(address, descriptor);
        }
        MethodType type = descriptor.toMethodType();
        MethodHandle factory = MethodHandles.insertArguments(NEW_UNAVAILABLE, 0, library, symbol, whyMissing(symbol));
        MethodHandle thrower = MethodHandles.throwException(type.returnType(), NativeLibraryUnavailableException.class);
        MethodHandle throwing = MethodHandles.foldArguments(thrower, factory);
        return MethodHandles.dropArguments(throwing, 0, type.parameterList());
    }

    private String whyMissing(String symbol) {
        if (lookup == null) {
            return reason;
        }
        return "symbol " + symbol + " is not exported by " + (path == null ? library.displayName() : path)
                + " (an older version?)";
    }

    @Override
    public String toString() {
        return library.displayName() + (isFound() ? " found: " : " not found: ") + reason;
    }
}
