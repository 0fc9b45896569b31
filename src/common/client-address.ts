/**
 * What the Worker reports as a caller's address when Cloudflare does not say. It is shared by
 * everyone it stands for, so nothing is ever held against it.
 */
export const UNKNOWN_ADDRESS = "unknown";
