/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* OpenTelemetry semantic-convention attribute names spantap sets. */
#ifndef __SPANTAP_SEMCONV_H
#define __SPANTAP_SEMCONV_H

#define SC_HTTP_REQUEST_METHOD "http.request.method"
#define SC_HTTP_REQUEST_METHOD_ORIGINAL "http.request.method_original"
#define SC_HTTP_RESPONSE_STATUS_CODE "http.response.status_code"
#define SC_URL_PATH "url.path"
#define SC_URL_SCHEME "url.scheme"
#define SC_URL_FULL "url.full"
#define SC_SERVER_ADDRESS "server.address"
#define SC_SERVER_PORT "server.port"
#define SC_CLIENT_ADDRESS "client.address"
#define SC_NETWORK_PEER_ADDRESS "network.peer.address"
#define SC_NETWORK_PEER_PORT "network.peer.port"
#define SC_NETWORK_PROTOCOL_VERSION "network.protocol.version"
#define SC_USER_AGENT_ORIGINAL "user_agent.original"
#define SC_ERROR_TYPE "error.type"
#define SC_PROCESS_PID "process.pid"
#define SC_PROCESS_EXECUTABLE_NAME "process.executable.name"

#endif /* __SPANTAP_SEMCONV_H */
