// No exported package of the engine, video, server or cli names a native type in a public signature.
package io.occlusion4j.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.backend.cuda.CudaBackendProvider;
import io.occlusion4j.cuda.CudaException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packages each module's built descriptor exports to everyone are its API; {@link ApiSurface} reads every API
 * type in them by reflection. Qualified exports (the SPI to the CUDA back end, the IR to the engine) are not API and
 * are not read. The last tests run the same reading over classes that leak on purpose, so the rule can fail.
 */
class ApiSurfaceTest {
    /** The library modules above the back ends (cli and spark, the application and the Spark job, have no descriptor). */
    private static final List<String> ABOVE_THE_BACK_ENDS = List.of("engine", "video", "server");

    @Test
    void noExportedSignatureAboveTheBackEndsNamesANativeType() throws Exception {
        List<String> violations = new ArrayList<>();
        int types = 0;
        for (String module : ABOVE_THE_BACK_ENDS) {
            BuiltModules.Built built = BuiltModules.read(module).orElseThrow(() -> new AssertionError(module + " has no descriptor"));
            for (String pkg : built.unqualifiedExports()) {
                for (String name : built.classNames(pkg)) {
                    Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                    if (ApiSurface.isApi(c)) {
                        types++;
                        violations.addAll(ApiSurface.violations(c));
                    }
                }
            }
        }
        assertThat(violations).as("API signatures that name a type of %s", ApiSurface.NATIVE).isEmpty();
        // the engine alone has some 60 API types (Occlusion, its settings, Tensor, the maps, io, render, ...)
        assertThat(types).as("API types read").isGreaterThan(50);
    }

    @Test
    void theEngineExportsItsApiAndKeepsItsInternalsToTheBackEnds() {
        BuiltModules.Built engine = BuiltModules.read("engine").orElseThrow();
        assertThat(engine.unqualifiedExports()).contains("io.occlusion4j").doesNotContain("io.occlusion4j.core", "io.occlusion4j.cpu");
    }

    @Test
    void everyPositionOfANativeTypeIsFound() {
        List<String> v = ApiSurface.violations(Leaky.class);
        String leaky = Leaky.class.getName();
        assertThat(v).contains(
                leaky + " type parameter T: java.lang.foreign.MemorySegment",
                leaky + " implements: java.lang.foreign.SegmentAllocator",
                leaky + ".field: java.lang.foreign.MemorySegment",
                leaky + ".wildcard: java.lang.foreign.MemorySegment",
                leaky + ".<init> parameter: io.occlusion4j.backend.cuda.CudaBackendProvider",
                leaky + ".nested returns: java.lang.foreign.MemorySegment",
                leaky + ".typeParameter type parameter S: io.occlusion4j.backend.cuda.CudaBackendProvider",
                leaky + ".typeParameter parameter: io.occlusion4j.backend.cuda.CudaBackendProvider",
                leaky + ".thrower throws: io.occlusion4j.cuda.CudaException",
                leaky + ".allocate returns: java.lang.foreign.MemorySegment");
        assertThat(v).noneMatch(s -> s.contains(".hidden") || s.contains(".packagePrivate"));
    }

    @Test
    void aPublicMethodInheritedFromAHiddenClassCounts() {
        // javac declares a bridge PublicChild.segment() for the inherited public method
        assertThat(ApiSurface.violations(PublicChild.class))
                .containsExactly(PublicChild.class.getName() + ".segment returns: java.lang.foreign.MemorySegment");
        assertThat(ApiSurface.isApi(HiddenBase.class)).isFalse();
    }

    @Test
    void aCleanClassHasNoViolations() {
        assertThat(ApiSurface.violations(Clean.class)).isEmpty();
    }

    /** Leaks a native type in each position the rule covers, and keeps two where callers cannot see them. */
    @SuppressWarnings("unused")
    public static class Leaky<T extends MemorySegment> implements SegmentAllocator {
        public MemorySegment field;
        protected List<? super MemorySegment> wildcard;
        private MemorySegment hidden;

        public Leaky(CudaBackendProvider provider) {
        }

        public Map<String, List<MemorySegment[]>> nested() {
            return Map.of();
        }

        public <S extends CudaBackendProvider> void typeParameter(S s) {
        }

        public void thrower() throws CudaException {
        }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            throw new UnsupportedOperationException();
        }

        void packagePrivate(MemorySegment s) {
        }
    }

    /** Not API itself, but its public method is callable through {@link PublicChild}. */
    static class HiddenBase {
        public MemorySegment segment() {
            return MemorySegment.NULL;
        }
    }

    public static final class PublicChild extends HiddenBase {
    }

    /** Natives only where callers cannot see them. */
    @SuppressWarnings("unused")
    public static final class Clean implements Comparable<Clean> {
        private MemorySegment hidden;

        public List<? extends Number> numbers() {
            return List.of();
        }

        public <E extends Comparable<E>> E recursiveBound(E e) {
            return e;
        }

        @Override
        public int compareTo(Clean o) {
            return 0;
        }
    }
}
