package io.occlusion4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BearerTokenTest {
    @Test
    void theSchemeMatchesInAnyCaseAndTheTokenExactly() {
        BearerToken t = new BearerToken("s3cret-Token");
        assertThat(t.accepts("Bearer s3cret-Token")).isTrue();
        assertThat(t.accepts("bearer s3cret-Token")).isTrue();
        assertThat(t.accepts("BEARER   s3cret-Token ")).isTrue();
        assertThat(t.accepts("Bearer s3cret-token")).as("the token itself is case-sensitive").isFalse();
        assertThat(t.accepts("Basic s3cret-Token")).isFalse();
        assertThat(t.accepts("Bearers3cret-Token")).isFalse();
        assertThat(t.accepts("Bearer")).isFalse();
        assertThat(t.accepts(null)).isFalse();
    }
}
