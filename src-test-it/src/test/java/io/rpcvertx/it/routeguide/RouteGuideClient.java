package io.rpcvertx.it.routeguide;

import io.rpcvertx.examples.routeguide.Feature;
import io.rpcvertx.examples.routeguide.Point;
import io.rpcvertx.examples.routeguide.Rectangle;
import io.rpcvertx.examples.routeguide.RouteNote;
import io.rpcvertx.examples.routeguide.RouteSummary;
import java.util.List;

/**
 * One route guide client as the test thread sees it: each method makes one call, waits for its end (at most 10 s) and
 * returns what arrived, in the examples' message types; a call that ends with an error status throws.
 */
interface RouteGuideClient {
    Feature getFeature(Point point) throws Exception;

    List<Feature> listFeatures(Rectangle area) throws Exception;

    /** Writes every point, then half-closes. */
    RouteSummary recordRoute(List<Point> points) throws Exception;

    /** Writes every note without waiting in between, half-closes, and returns the replies in arrival order. */
    List<RouteNote> routeChat(List<RouteNote> notes) throws Exception;

    /** Closes the channel and waits until it is closed. */
    void close() throws Exception;
}
