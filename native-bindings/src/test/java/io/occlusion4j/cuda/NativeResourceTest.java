// Ownership rules: idempotent close, children keep parents, use after close raises.
package io.occlusion4j.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NativeResourceTest {

    /** A resource whose native free is a line in a shared log. */
    static final class Recorded extends NativeResource {
        private final String name;
        private final List<String> freed;

        Recorded(String name, List<String> freed, NativeResource... parents) {
            super(name, parents);
            this.name = name;
            this.freed = freed;
        }

        void use() {
            ensureOpen();
        }

        @Override
        void free() {
            freed.add(name);
        }
    }

    @Test
    void closingTwiceFreesOnce() {
        List<String> freed = new ArrayList<>();
        Recorded r = new Recorded("buffer", freed);
        r.close();
        r.close();
        assertThat(freed).containsExactly("buffer");
        assertThat(r.isClosed()).isTrue();
        assertThat(r.isReleased()).isTrue();
    }

    @Test
    void useAfterCloseRaisesNamingTheResource() {
        Recorded r = new Recorded("CudaStream", new ArrayList<>());
        r.use();
        r.close();
        assertThatThrownBy(r::use).isInstanceOf(IllegalStateException.class).hasMessage("CudaStream is closed");
    }

    @Test
    void aChildKeepsItsParentAliveAndTheParentIsFreedAfterIt() {
        List<String> freed = new ArrayList<>();
        Recorded module = new Recorded("module", freed);
        Recorded function = new Recorded("function", freed, module);
        module.close();
        assertThat(freed).isEmpty();
        assertThat(module.isClosed()).isTrue();
        assertThat(module.isReleased()).isFalse();
        function.use();
        function.close();
        assertThat(freed).containsExactly("function", "module");
    }

    @Test
    void inFlightWorkHoldsAReferenceUntilReleased() {
        List<String> freed = new ArrayList<>();
        Recorded pinned = new Recorded("pinned", freed);
        pinned.retain();           // an async copy is enqueued
        pinned.close();            // the owner is done with it
        assertThat(freed).isEmpty();
        pinned.release();          // the stream passed the copy
        assertThat(freed).containsExactly("pinned");
    }

    @Test
    void aFreedResourceCannotBeRetainedAgain() {
        Recorded r = new Recorded("event", new ArrayList<>());
        r.close();
        assertThatThrownBy(r::retain).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
        assertThatThrownBy(() -> new Recorded("child", new ArrayList<>(), r)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aChildOfSeveralParentsReleasesEach() {
        List<String> freed = new ArrayList<>();
        Recorded context = new Recorded("context", freed);
        Recorded stream = new Recorded("stream", freed, context);
        Recorded graph = new Recorded("graph", freed, context, stream);
        context.close();
        stream.close();
        assertThat(freed).isEmpty();
        graph.close();
        assertThat(freed).containsExactly("graph", "stream", "context");
    }
}
