/**
 * The browser shell's fixed names: the WebSocket subprotocol, the launch and
 * API paths and the session cookie. Apart from the message schemas
 * (protocol.ts) so that the shell's HTTP server can load and listen before
 * the contract and its schemas have loaded (issue 15: the window starts
 * loading while the core starts).
 */
export const webProtocol = 'conclave.v1';
export const launchPath = '/launch';
export const sessionCookie = 'conclave-session';
export const apiPath = '/api';
