/** A stored event: its id, its SSE event name (none for a default-type event) and its JSON `data`. */
export interface StoredEvent {
  id: number;
  event?: string;
  data: string;
}
