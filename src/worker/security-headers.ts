/** A policy for responses that are data, never a page: nothing may load, nothing may frame it. */
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Adds the headers every response carries. Pages get their Content-Security-Policy from
 * `public/_headers`; any other response without one gets a policy that allows nothing.
 */
export function withSecurityHeaders(response: Response): Response {
  // Responses from fetch() (static assets, redirects) have immutable headers.
  const secured = new Response(response.body, response);
  secured.headers.set("X-Content-Type-Options", "nosniff");
  secured.headers.set("Referrer-Policy", "same-origin");
  if (!secured.headers.has("Content-Security-Policy")) {
    const isPage = secured.headers.get("Content-Type")?.startsWith("text/html") ?? false;
    if (!isPage) secured.headers.set("Content-Security-Policy", API_POLICY);
  }
  return secured;
}
