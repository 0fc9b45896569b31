import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { PROJECT_ROOT } from "../support/node/project-root";

const AXE_SOURCE = readFileSync(`${PROJECT_ROOT}node_modules/axe-core/axe.min.js`, "utf8");

/** The WCAG 2.1 A and AA rules. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** One rule a page breaks, with where. */
export interface Violation {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * The serious and critical WCAG 2.1 A/AA violations axe-core finds on the page as it is now.
 * axe is evaluated through the browser's debugging protocol, which the page's
 * Content-Security-Policy (no inline script) does not apply to.
 */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: typeof import("axe-core") }).axe;
    const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return results.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? "unknown",
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(" ")),
    }));
  }, WCAG_TAGS);
  return violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
}
