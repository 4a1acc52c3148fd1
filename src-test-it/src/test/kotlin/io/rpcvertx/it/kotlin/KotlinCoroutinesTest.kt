package io.rpcvertx.it.kotlin

import io.rpcvertx.Channel
import io.rpcvertx.RpcException
import io.rpcvertx.RpcVertx
import io.rpcvertx.Server
import io.rpcvertx.ServicerContext
import io.rpcvertx.StatusCode
import io.rpcvertx.examples.routeguide.Feature
import io.rpcvertx.examples.routeguide.Point
import io.rpcvertx.examples.routeguide.Rectangle
import io.rpcvertx.examples.routeguide.RouteGuideGrpc
import io.rpcvertx.examples.routeguide.RouteGuideServicer
import io.vertx.core.Future
import io.vertx.core.Promise
import io.vertx.core.Vertx
import io.vertx.junit5.VertxExtension
import io.vertx.kotlin.coroutines.coAwait
import io.vertx.kotlin.coroutines.dispatcher
import java.time.Duration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.catchThrowable
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.extension.ExtendWith

/**
 * Kotlin users: the generated RouteGuide servicer implemented with coroutines (each method a coroutine on the
 * call's context, awaiting its writes with `coAwait()`), and the generated stub called from a coroutine, over HTTP/2
 * on 127.0.0.1.
 */
@ExtendWith(VertxExtension::class)
@Timeout(30)
class KotlinCoroutinesTest {
    private lateinit var server: Server
    private lateinit var channel: Channel

    /** A servicer written as Kotlin users would: suspending code on the call's event loop, no callbacks. */
    private class CoroutineRouteGuide : RouteGuideServicer {
        override fun getFeature(request: Point, context: ServicerContext<Point, Feature>): Future<Feature> =
            onCallContext {
                if (request.latitude < 0) {
                    context.abort<Feature>(StatusCode.INVALID_ARGUMENT, "south of the equator").coAwait()
                }
                feature(request.latitude, request.longitude)
            }

        override fun listFeatures(request: Rectangle, context: ServicerContext<Rectangle, Feature>): Future<Void> =
            streamOnCallContext {
                for (lat in request.lo.latitude..request.hi.latitude) {
                    context.write(feature(lat, request.lo.longitude)).coAwait()
                }
            }
    }

    /**
     * Runs [block] as a coroutine on the calling handler's context (the call's event loop) and returns its result as
     * the Future the generated servicer interface expects.
     */
    private companion object Coroutines {
        fun <T> onCallContext(block: suspend () -> T): Future<T> {
            val promise = Promise.promise<T>()
            CoroutineScope(Vertx.currentContext().dispatcher()).launch {
                try {
                    promise.complete(block())
                } catch (e: Throwable) {
                    promise.fail(e)
                }
            }
            return promise.future()
        }

        /** [onCallContext] for a streaming handler, whose Future carries no value. */
        fun streamOnCallContext(block: suspend () -> Unit): Future<Void> {
            val promise = Promise.promise<Void>()
            CoroutineScope(Vertx.currentContext().dispatcher()).launch {
                try {
                    block()
                    promise.complete()
                } catch (e: Throwable) {
                    promise.fail(e)
                }
            }
            return promise.future()
        }

        fun point(latitude: Int, longitude: Int): Point =
            Point.newBuilder().setLatitude(latitude).setLongitude(longitude).build()

        fun feature(latitude: Int, longitude: Int): Feature =
            Feature.newBuilder().setName("feature $latitude,$longitude").setLocation(point(latitude, longitude)).build()
    }

    @BeforeEach
    fun setUp(vertx: Vertx): Unit = runBlocking {
        server = RpcVertx.server(vertx)
        RouteGuideGrpc.addRouteGuideServicerToServer(CoroutineRouteGuide(), server)
        val port = server.addInsecurePort("127.0.0.1:0").coAwait()
        server.start().coAwait()
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:$port")
    }

    @AfterEach
    fun tearDown(): Unit = runBlocking {
        channel.close(Duration.ZERO).coAwait()
        server.stop(Duration.ZERO).coAwait()
    }

    @Test
    fun unary_generatedStub_coAwait(): Unit = runBlocking {
        val stub = RouteGuideGrpc.newStub(channel)
        val feature = stub.getFeature(point(3, 4)).response().coAwait()
        assertThat(feature.name).isEqualTo("feature 3,4")
        assertThat(feature.location).isEqualTo(point(3, 4))

        val call = stub.getFeature(point(-1, 4))
        val failure = catchThrowable { runBlocking { call.response().coAwait() } }
        assertThat(failure).isInstanceOf(RpcException::class.java)
        assertThat((failure as RpcException).code()).isEqualTo(StatusCode.INVALID_ARGUMENT)
        assertThat(call.details().coAwait()).isEqualTo("south of the equator")
    }

    @Test
    fun serverStreaming_generatedStub_readWithCoAwait(): Unit = runBlocking {
        val rectangle = Rectangle.newBuilder().setLo(point(1, 7)).setHi(point(5, 7)).build()
        val call = RouteGuideGrpc.newStub(channel).listFeatures(rectangle)
        val names = mutableListOf<String>()
        while (true) {
            val next = call.read().coAwait()
            if (next.isEmpty) {
                break
            }
            names += next.get().name
        }
        assertThat(names).containsExactly("feature 1,7", "feature 2,7", "feature 3,7", "feature 4,7", "feature 5,7")
        assertThat(call.code().coAwait()).isEqualTo(StatusCode.OK)
    }
}
