import { describe, expect, it } from "vitest";
import { RoomCommands, type SessionCommand } from "../../src/relay/room-commands";

describe("a stream handed to a relay before the room's commands about its session", () => {
  it("ends as the removed participant's, though the session was ended right after the removal", () => {
    const applied: SessionCommand[] = [];
    const commands = new RoomCommands((command) => applied.push(command));
    // The room removes T at event 10: it ends T's streams, then ends T's session.
    commands.receive({ op: "end", token: "T", afterId: 10 }, 10);
    commands.receive({ op: "disown", token: "T", afterId: 10 }, 10);
    expect(applied.map((command) => command.op)).toEqual(["end", "disown"]);

    const { owner, endsAfter } = commands.ownerNow({ id: "late", token: "T", since: 9 });
    expect(owner.token).toBe("T");
    expect(endsAfter).toBe(10);
  });

  it("becomes anonymous when the session ended without a removal, and the session's when a join adopted it", () => {
    const commands = new RoomCommands(() => undefined);
    commands.receive({ op: "disown", token: "T", afterId: 5 }, 5);
    commands.receive({ op: "adopt", pendingToken: "P", token: "U", afterId: 6 }, 6);
    expect(commands.ownerNow({ id: "a", token: "T", since: 4 })).toEqual({
      owner: { id: "a", token: undefined, pendingToken: undefined, client: undefined },
      endsAfter: undefined,
    });
    expect(commands.ownerNow({ id: "b", pendingToken: "P", since: 4 }).owner).toMatchObject({
      token: "U",
      pendingToken: undefined,
    });
    // A command from before the stream was admitted is not about it.
    expect(commands.ownerNow({ id: "c", token: "T", since: 6 }).owner.token).toBe("T");
  });
});
