/**
 * Transport and call security: TLS settings for channels and ports, call credentials, and the server's auth context.
 * Everything Vert.x-specific about TLS lives here, so the channel and server only ask these classes.
 */
@NullMarked
package io.rpcvertx.impl.security;

import org.jspecify.annotations.NullMarked;
