package io.occlusion4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The intake budget, the request limits and the exposure warning: the server-wide bounds that need no socket. */
class IntakeBudgetTest {
    @Test
    void reservationsShareTheBudgetGrowAndShrinkAndGiveBackOnClose() {
        IntakeBudget budget = new IntakeBudget(1000);
        IntakeBudget.Reservation a = budget.reserve(600, "body A");
        assertThatThrownBy(() -> budget.reserve(500, "body B")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.retryAfterSeconds()).isEqualTo(1);
            assertThat(e.getMessage()).contains("600 of 1000 bytes held").contains("body B needs 500");
        });
        assertThat(budget.reserved()).isEqualTo(600);
        a.resize(100, "tensor A"); // the body is gone, the tensor stays
        IntakeBudget.Reservation b = budget.reserve(500, "body B");
        assertThatThrownBy(() -> b.resize(950, "picture B")).isInstanceOf(ApiException.class);
        assertThat(b.held()).as("a refused growth keeps what was held").isEqualTo(500);
        assertThat(budget.reserved()).isEqualTo(600);
        a.close();
        a.close();
        b.close();
        assertThat(budget.reserved()).isZero();
        assertThatThrownBy(() -> budget.reserve(1001, "a picture")).hasMessageContaining("more than the server's intake budget of 1000");
        assertThat(budget.reserved()).isZero();
    }

    @Test
    void requestLimitsAreCheckedAndTheOldConstructorKeepsTheirDefaults() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.requestLimits()).isEqualTo(ServerConfig.RequestLimits.defaults());
        ServerConfig.RequestLimits r = new ServerConfig.RequestLimits(Duration.ofSeconds(2), 8, 1 << 20, 16, 1 << 26);
        assertThat(c.withRequestLimits(r).withPort(0).withDeadline(Duration.ofSeconds(5)).requestLimits()).isEqualTo(r);
        assertThatThrownBy(() -> new ServerConfig.RequestLimits(Duration.ZERO, 8, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ServerConfig.RequestLimits(Duration.ofSeconds(1), 0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bindingBeyondLoopbackWithoutATokenIsWarnedAbout() {
        assertThat(ServerConfig.defaults().exposureWarning()).isNull();
        assertThat(ServerConfig.defaults().withHost("localhost").exposureWarning()).isNull();
        assertThat(ServerConfig.defaults().withHost("::1").exposureWarning()).isNull();
        assertThat(ServerConfig.defaults().withHost("0.0.0.0").exposureWarning()).contains("0.0.0.0").contains("without a bearer token");
        assertThat(ServerConfig.defaults().withHost("0.0.0.0").withToken("t").exposureWarning()).isNull();
    }
}
