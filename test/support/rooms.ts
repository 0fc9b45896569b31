let roomCounter = 0;

/** A room name no other test uses, so tests never see each other's events. */
export function freshRoom(label = "t"): string {
  roomCounter += 1;
  return `${label}-${roomCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Base path of a room's API; the lobby (`undefined`) lives at the root. */
export function roomPath(room: string | undefined): string {
  return room === undefined ? "" : `/r/${room}`;
}
