/**
 * Where a reader is, as one of the `locationHint`s a Durable Object takes, so that a room's
 * readers on one continent share relays placed near them. Without `request.cf` (locally) every
 * reader is in one region.
 */
export type ReaderRegion = DurableObjectLocationHint | "local";

/** Countries of the Middle East, which Cloudflare counts in Asia or Africa. */
const MIDDLE_EAST = new Set("AE BH EG IL IQ IR JO KW LB OM PS QA SA SY TR YE".split(" "));

/** Longitude east of which Europe is eastern Europe, and west of which North America is western. */
const EASTERN_EUROPE_FROM = 20;
const WESTERN_NORTH_AMERICA_TO = -100;

export function readerRegion(request: Request): ReaderRegion {
  const cf = request.cf;
  if (cf === undefined) return "local";
  const country = typeof cf.country === "string" ? cf.country : "";
  const longitude = Number(cf.longitude);
  if (MIDDLE_EAST.has(country)) return "me";
  switch (cf.continent) {
    case "NA":
      return longitude < WESTERN_NORTH_AMERICA_TO ? "wnam" : "enam";
    case "SA":
      return "sam";
    case "EU":
      return longitude > EASTERN_EUROPE_FROM ? "eeur" : "weur";
    case "AS":
      return "apac";
    case "OC":
    case "AN":
      return "oc";
    case "AF":
      return "afr";
    default:
      return "local";
  }
}

/** The location hint a relay of `region` is made with; none locally. */
export function locationHint(region: string): DurableObjectLocationHint | undefined {
  return region === "local" ? undefined : (region as DurableObjectLocationHint);
}
