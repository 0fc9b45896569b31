import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { readWranglerConfig } from "./test/support/node/wrangler-config.ts";

// Small bounds so cut-offs happen within a test. Heartbeats are a real interval, so they are
// short; presence is moved on by the tests themselves (runDurableObjectAlarm with the room's
// clock set), so its grace period is long enough that no alarm goes off by itself mid-test.
const testVars = {
  PRESENCE_GRACE_SECONDS: "600",
  HEARTBEAT_SECONDS: "0.25",
  RATE_BURST: "10",
  RATE_PER_SECOND: "5",
  MAX_SUBSCRIBERS: "40",
  MAX_BACKLOG_BYTES: "65536",
  HISTORY_RETAINED: "100",
  HISTORY_ON_CONNECT: "20",
  MESSAGE_KEYS_PER_SESSION: "3",
  REACTIONS_PER_MESSAGE: "4",
  SEARCH_RATE_BURST: "20",
  SEARCH_RATE_PER_MINUTE: "600",
  ADMIN_TOKEN: "operator-token-of-the-tests",
  // Every test request comes from one address; these caps get their own project below.
  MAX_STREAMS_PER_CLIENT: "1000",
  JOIN_RATE_BURST: "1000",
  JOIN_RATE_PER_MINUTE: "60000",
  // The deployment's budgets, as wrangler.toml sets them, for the tests that spend them.
  RATE_LIMITS: JSON.stringify(readWranglerConfig().rateLimits),
};

// Low per-address caps, for the flooding tests.
const floodVars = {
  ...testVars,
  MAX_STREAMS_PER_CLIENT: "5",
  JOIN_RATE_BURST: "3",
  JOIN_RATE_PER_MINUTE: "6",
};

// One reader per object, so that a room hands its second reader to a relay.
const relayVars = { ...testVars, READERS_PER_OBJECT: "1" };

export default defineConfig({
  test: {
    projects: [
      {
        // Unit and integration tests inside workerd, through the Worker's own fetch.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: testVars },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/flood.test.ts", "test/relay/**"],
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: relayVars },
          }),
        ],
        test: { name: "workers-relay", include: ["test/relay/**/*.test.ts"] },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: floodVars },
          }),
        ],
        test: { name: "workers-flood", include: ["test/flood.test.ts"] },
      },
      {
        // End-to-end tests against a real `wrangler dev`, from Node, and the benchmark's own
        // accounting.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts", "bench/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // A page shows what the server sent within a frame or two, but a browser and a
          // wrangler dev sharing a loaded machine can take seconds.
          expect: { poll: { timeout: 5_000 } },
        },
      },
    ],
  },
});
