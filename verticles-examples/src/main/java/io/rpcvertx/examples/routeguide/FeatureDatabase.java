package io.rpcvertx.examples.routeguide;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The features the route guide knows, in file order; immutable, so any thread may read it.
 *
 * <p>The default data set, {@value #DEFAULT_RESOURCE} next to this class, is a made-up island in the Atlantic (around
 * 10.0° N, 29.9° W) with 25 invented places. The format is a JSON array of
 * {@code {"name": "Eel Pond", "latitude": 100270000, "longitude": -299520000}} objects, coordinates in degrees × 10^7.
 */
public final class FeatureDatabase {
    /** The class path resource, relative to this class, holding the default features. */
    public static final String DEFAULT_RESOURCE = "features.json";

    private static final int MAX_LATITUDE = 900_000_000;
    private static final int MAX_LONGITUDE = 1_800_000_000;
    /** Coordinates are degrees × 10^7. */
    static final double DEGREE = 1e7;

    private final List<Feature> features;
    private final Map<Point, Feature> byLocation;

    private FeatureDatabase(List<Feature> features) {
        this.features = List.copyOf(features);
        Map<Point, Feature> index = new HashMap<>();
        for (Feature feature : this.features) {
            Feature earlier = index.putIfAbsent(feature.getLocation(), feature);
            if (earlier != null) {
                throw new IllegalArgumentException("features: \"" + earlier.getName() + "\" and \"" + feature.getName()
                        + "\" are both at " + describe(feature.getLocation())
                        + " (expected: one feature per point)");
            }
        }
        this.byLocation = Map.copyOf(index);
    }

    /**
     * Reads {@value #DEFAULT_RESOURCE} from the class path. Blocking: call it from a worker, never on an event loop.
     *
     * @throws UncheckedIOException if the resource cannot be read
     */
    public static FeatureDatabase loadDefault() {
        try (InputStream in = FeatureDatabase.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("class path resource not found: " + DEFAULT_RESOURCE));
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + DEFAULT_RESOURCE + " failed", e);
        }
    }

    /**
     * Parses the JSON format described above.
     *
     * @throws IllegalArgumentException if the text is not such an array, a name is empty, a coordinate is out of range,
     *     or two features share a point
     */
    public static FeatureDatabase parse(String json) {
        Objects.requireNonNull(json, "json");
        JsonArray array;
        try {
            array = new JsonArray(json);
        } catch (DecodeException e) {
            throw new IllegalArgumentException("features: not a JSON array: " + e.getMessage(), e);
        }
        List<Feature> features = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            Object entry = array.getValue(i);
            if (!(entry instanceof JsonObject)) {
                throw new IllegalArgumentException("features[" + i + "]: " + entry + " (expected: an object)");
            }
            features.add(feature(i, (JsonObject) entry));
        }
        return new FeatureDatabase(features);
    }

    /** Every feature, in file order. */
    public List<Feature> features() {
        return features;
    }

    /** The feature exactly at {@code location}, if there is one. */
    public Optional<Feature> at(Point location) {
        return Optional.ofNullable(byLocation.get(location));
    }

    /**
     * The features inside {@code area}, edges included, in file order. The two corners may be given in any order.
     */
    public List<Feature> inside(Rectangle area) {
        int south = Math.min(area.getLo().getLatitude(), area.getHi().getLatitude());
        int north = Math.max(area.getLo().getLatitude(), area.getHi().getLatitude());
        int west = Math.min(area.getLo().getLongitude(), area.getHi().getLongitude());
        int east = Math.max(area.getLo().getLongitude(), area.getHi().getLongitude());
        List<Feature> inside = new ArrayList<>();
        for (Feature feature : features) {
            Point p = feature.getLocation();
            if (p.getLatitude() >= south
                    && p.getLatitude() <= north
                    && p.getLongitude() >= west
                    && p.getLongitude() <= east) {
                inside.add(feature);
            }
        }
        return inside;
    }

    /** {@code (10.0120000, -29.9830000)}: a point in degrees, latitude first. */
    public static String describe(Point point) {
        return String.format(Locale.ROOT, "(%.7f, %.7f)", point.getLatitude() / DEGREE, point.getLongitude() / DEGREE);
    }

    private static Feature feature(int index, JsonObject entry) {
        String at = "features[" + index + "]";
        Object name = entry.getValue("name");
        if (!(name instanceof String) || ((String) name).isEmpty()) {
            throw new IllegalArgumentException(at + ".name: " + name + " (expected: a non-empty string)");
        }
        return Feature.newBuilder()
                .setName((String) name)
                .setLocation(Point.newBuilder()
                        .setLatitude(coordinate(at, entry, "latitude", MAX_LATITUDE))
                        .setLongitude(coordinate(at, entry, "longitude", MAX_LONGITUDE)))
                .build();
    }

    private static int coordinate(String at, JsonObject entry, String key, int max) {
        Object value = entry.getValue(key);
        if (!(value instanceof Integer) || (Integer) value < -max || (Integer) value > max) {
            throw new IllegalArgumentException(
                    at + "." + key + ": " + value + " (expected: an integer in [-" + max + ", " + max + "])");
        }
        return (Integer) value;
    }
}
