package io.rpcvertx.examples.routeguide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FeatureDatabaseTest {
    private static final FeatureDatabase TWO =
            FeatureDatabase.parse("[{\"name\": \"West\", \"latitude\": 10, \"longitude\": -20},"
                    + " {\"name\": \"East\", \"latitude\": 30, \"longitude\": 40}]");

    @Test
    void loadDefault_madeUpIsland_has25NamedFeaturesAtDistinctPoints() {
        FeatureDatabase island = FeatureDatabase.loadDefault();

        assertThat(island.features()).hasSize(25);
        assertThat(island.features())
                .extracting(Feature::getName)
                .doesNotHaveDuplicates()
                .allMatch(n -> !n.isEmpty());
        assertThat(island.features().get(0).getName()).isEqualTo("Ferrowen Harbour");
        assertThat(island.features().get(0).getLocation()).isEqualTo(point(100_120_000, -299_830_000));
    }

    @Test
    void at_exactPoint_findsTheFeature() {
        assertThat(TWO.at(point(30, 40))).map(Feature::getName).contains("East");
    }

    @Test
    void at_neighbouringPoint_findsNothing() {
        assertThat(TWO.at(point(30, 41))).isEmpty();
    }

    @Test
    void inside_edgesIncluded_inFileOrder() {
        Rectangle both = Rectangle.newBuilder()
                .setLo(point(10, -20))
                .setHi(point(30, 40))
                .build();

        assertThat(TWO.inside(both)).extracting(Feature::getName).containsExactly("West", "East");
    }

    @Test
    void inside_cornersSwapped_sameFeatures() {
        Rectangle swapped =
                Rectangle.newBuilder().setLo(point(30, -20)).setHi(point(10, 0)).build();

        assertThat(TWO.inside(swapped)).extracting(Feature::getName).containsExactly("West");
    }

    @Test
    void parse_notAnArray_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> FeatureDatabase.parse("{\"name\": \"x\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("features: not a JSON array");
    }

    @Test
    void parse_emptyName_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> FeatureDatabase.parse("[{\"name\": \"\", \"latitude\": 1, \"longitude\": 2}]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("features[0].name:  (expected: a non-empty string)");
    }

    @Test
    void parse_latitudeOutOfRange_throwsIllegalArgumentException() {
        assertThatThrownBy(() ->
                        FeatureDatabase.parse("[{\"name\": \"Pole+\", \"latitude\": 900000001, \"longitude\": 0}]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("features[0].latitude: 900000001 (expected: an integer in [-900000000, 900000000])");
    }

    @Test
    void parse_missingLongitude_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> FeatureDatabase.parse("[{\"name\": \"Nowhere\", \"latitude\": 0}]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("features[0].longitude: null");
    }

    @Test
    void parse_twoFeaturesAtOnePoint_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> FeatureDatabase.parse("[{\"name\": \"A\", \"latitude\": 1, \"longitude\": 2},"
                        + " {\"name\": \"B\", \"latitude\": 1, \"longitude\": 2}]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("features: \"A\" and \"B\" are both at (0.0000001, 0.0000002) (expected: one feature per"
                        + " point)");
    }

    @Test
    void describe_point_degreesWithSevenDecimals() {
        assertThat(FeatureDatabase.describe(point(100_120_000, -299_830_000))).isEqualTo("(10.0120000, -29.9830000)");
    }

    private static Point point(int latitude, int longitude) {
        return Point.newBuilder().setLatitude(latitude).setLongitude(longitude).build();
    }
}
