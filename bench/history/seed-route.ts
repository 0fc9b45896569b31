/** The route the seeding Worker adds: POST a JSON {@link SeedRequest}, answered with the ids the room gave. */
export const SEED_PATH = "/bench/seed";

/** Messages for one room, posted in order under one participant's session. */
export interface SeedRequest {
  room: string;
  token: string;
  texts: string[];
  /** Each post in a transaction of its own, as posts arriving one by one are, rather than all in one. */
  oneByOne?: boolean;
}
