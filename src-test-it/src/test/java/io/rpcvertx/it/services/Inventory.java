package io.rpcvertx.it.services;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.it.services.gen.GetItemRequest;
import io.rpcvertx.it.services.gen.InventoryServicer;
import io.rpcvertx.it.services.gen.Item;
import io.rpcvertx.protobuf.StatusProtos;
import io.vertx.core.Future;

/** The rpc-vertx servicer of itservices.Inventory: an empty name fails with {@link #INVALID_NAME}. */
final class Inventory implements InventoryServicer {
    /** The rich status of an empty name: INVALID_ARGUMENT with a BadRequest and an ErrorInfo. */
    static final Status INVALID_NAME = Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT.getNumber())
            .setMessage("name must not be empty")
            .addDetails(Any.pack(BadRequest.newBuilder()
                    .addFieldViolations(BadRequest.FieldViolation.newBuilder()
                            .setField("name")
                            .setDescription("empty"))
                    .build()))
            .addDetails(Any.pack(ErrorInfo.newBuilder()
                    .setReason("EMPTY_NAME")
                    .setDomain("inventory.example")
                    .putMetadata("field", "name")
                    .build()))
            .build();

    @Override
    public Future<Item> get(GetItemRequest request, ServicerContext<GetItemRequest, Item> context) {
        if (request.getName().isEmpty()) {
            return Future.failedFuture(StatusProtos.toRpcException(INVALID_NAME));
        }
        return Future.succeededFuture(
                Item.newBuilder().setName(request.getName()).build());
    }
}
