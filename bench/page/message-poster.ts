/** A participant who posts into one room from Node, as fast as asked, counting what it posted. */
export class MessagePoster {
  /** Messages posted so far, the page's timed ones included. */
  posted = 0;

  private readonly base: string;
  private readonly token: string;

  private constructor(base: string, token: string) {
    this.base = base;
    this.token = token;
  }

  /** Joins `room` on the server at `url` under a name of its own. */
  static async join(url: string, room: string): Promise<MessagePoster> {
    const base = `${url}/r/${room}`;
    const response = await fetch(`${base}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "writer" }),
    });
    if (response.status !== 201) throw new Error(`join refused: ${response.status} ${await response.text()}`);
    const { token } = (await response.json()) as { token: string };
    return new MessagePoster(base, token);
  }

  /** A post of `text`, as a URL and init that Node or the page can send; sent again, it is posted once. */
  request(text: string): { url: string; init: { method: string; headers: Record<string, string>; body: string } } {
    return {
      url: `${this.base}/messages`,
      init: {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ msg: text, key: `bench-${this.posted}-${text.length}` }),
      },
    };
  }

  /**
   * Sends a post, again while `wrangler dev` answers that it restarted (it reloads the Worker
   * when its sources change) or the server is briefly busy.
   */
  private async send(text: string): Promise<number> {
    const { url, init } = this.request(text);
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(url, init).catch(() => undefined);
      if (response?.ok) return ((await response.json()) as { id: number }).id;
      const retryable = !response || response.status >= 500;
      const reason = response ? `${response.status} ${await response.text()}` : "no answer";
      if (!retryable || attempt >= 20) throw new Error(`post refused: ${reason}`);
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }

  /** Posts `count` messages, `inFlight` at a time, and returns the highest id the room gave them. */
  async postMany(count: number, inFlight: number): Promise<number> {
    let next = 0;
    let highest = 0;
    const worker = async () => {
      while (next < count) {
        next += 1;
        this.posted += 1;
        const id = await this.send(`message ${this.posted}: the quick brown fox jumps over the lazy dog`);
        highest = Math.max(highest, id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
    return highest;
  }
}
