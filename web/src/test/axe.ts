import axe from 'axe-core';
import { expect } from 'vitest';

/**
 * A first accessibility check in jsdom: axe-core's rules, failing on serious and critical
 * violations. jsdom lays nothing out, so colour contrast is left to the browser e2e run.
 */
export async function expectNoSeriousAxeViolations(element: Element): Promise<void> {
  const results = await axe.run(element, { rules: { 'color-contrast': { enabled: false } } });
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((n) => n.html).join(' | ')})`,
    );
  expect(serious).toEqual([]);
}
