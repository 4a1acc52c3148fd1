"""The ``grpc.testing`` interop messages for the grpcio interop peers, built at run time.

The messages come from ``target/interop-protos/interop.protoset``: a FileDescriptorSet of grpc-java 1.79.0's
``grpc/testing/{test,messages,empty}.proto`` that the src-test-it Maven build writes (the protos are extracted from the
``grpc-interop-testing`` jar, never copied into the repository). ``google.protobuf.message_factory`` turns the
descriptors into message classes, so no generated ``*_pb2.py`` code, ``protoc`` or ``grpc_python_plugin`` is needed:
Debian's ``python3-grpcio`` and ``python3-protobuf`` are the only requirements. (Debian's ``python3-grpc-tools`` is
1.14, too old, and the protoc of the Maven build writes Python code that needs a newer protobuf runtime than Debian's.)
"""

import os

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

DEFAULT_PROTOSET = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "target", "interop-protos",
                 "interop.protoset"))

SERVICE = "grpc.testing.TestService"
UNIMPLEMENTED_SERVICE = "grpc.testing.UnimplementedService"


class Messages:
    """The message classes of ``grpc.testing``, as attributes named like the proto messages."""

    NAMES = ("Empty", "Payload", "EchoStatus", "SimpleRequest", "SimpleResponse", "StreamingInputCallRequest",
             "StreamingInputCallResponse", "ResponseParameters", "StreamingOutputCallRequest",
             "StreamingOutputCallResponse", "BoolValue")

    def __init__(self, protoset=DEFAULT_PROTOSET):
        if not os.path.isfile(protoset):
            raise SystemExit(f"descriptor set not found: {protoset} (written by `mvn -pl src-test-it "
                             "generate-test-sources`, or pass --protoset)")
        with open(protoset, "rb") as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
        pool = descriptor_pool.DescriptorPool()
        for file in files.file:
            pool.Add(file)
        factory = message_factory.MessageFactory(pool)
        for name in self.NAMES:
            setattr(self, name, factory.GetPrototype(pool.FindMessageTypeByName("grpc.testing." + name)))
        self.COMPRESSABLE = pool.FindEnumTypeByName("grpc.testing.PayloadType").values_by_name["COMPRESSABLE"].number


def serializer(message):
    return message.SerializeToString()
