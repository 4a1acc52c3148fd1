package io.rpcvertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HandlerCallDetailsTest {
    static final ContextKey<String> USER = ContextKey.named("user");
    static final ContextKey<Integer> LEVEL = ContextKey.named("level");

    final HandlerCallDetails details = new HandlerCallDetails("/a.B/C", Metadata.of("k", "v"));

    @Test
    void get_nothingAdded_empty() {
        assertThat(details.get(USER)).isEmpty();
    }

    @Test
    void withValue_returnsACopyWithTheValue_originalUnchanged() {
        HandlerCallDetails withUser = details.withValue(USER, "ann").withValue(LEVEL, 3);

        assertThat(withUser.get(USER)).contains("ann");
        assertThat(withUser.get(LEVEL)).contains(3);
        assertThat(withUser.method()).isEqualTo("/a.B/C");
        assertThat(withUser.invocationMetadata().get("k")).contains("v");
        assertThat(details.get(USER)).isEmpty();
    }

    @Test
    void withValue_sameKeyAgain_replacesTheValue() {
        assertThat(details.withValue(USER, "ann").withValue(USER, "bob").get(USER))
                .contains("bob");
    }

    @Test
    void keys_sameName_areDifferentKeys() {
        ContextKey<String> otherUser = ContextKey.named("user");

        assertThat(details.withValue(USER, "ann").get(otherUser)).isEmpty();
        assertThat(otherUser.name()).isEqualTo(USER.name());
    }

    @Test
    void withValue_null_throwsNullPointerException() {
        assertThatThrownBy(() -> details.withValue(USER, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> details.withValue(null, "x")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void equals_sameMethodMetadataAndValues_equal() {
        assertThat(details.withValue(USER, "a"))
                .isEqualTo(new HandlerCallDetails("/a.B/C", Metadata.of("k", "v")).withValue(USER, "a"))
                .isNotEqualTo(details);
    }
}
