// The client address of a request, as the Bun server saw it, for rate-limiting callers that are
// not (yet) authenticated. api/server.ts records it before handing the request to the app; a
// request that did not come through it (app.handle in tests) counts as "unknown". Headers such as
// X-Forwarded-For are not trusted: any client can send them.
const addresses = new WeakMap<Request, string>();

export function setClientAddress(request: Request, address: string): void {
  addresses.set(request, address);
}

export function clientAddress(request: Request): string {
  return addresses.get(request) ?? "unknown";
}
