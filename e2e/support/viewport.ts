/**
 * Issue 16: the control a person presses next is in the window as it is,
 * without scrolling. Asserted from the bounding box before the click,
 * because Playwright's click would scroll it into view first.
 */
import type { Locator } from '@playwright/test';
import { expect } from './conclave';

/**
 * Wholly inside the page's viewport as it is now (its whole bounding box,
 * not only a visible pixel); nothing is scrolled to find it. A soft
 * assertion: the walk goes on, so one run names every action out of view
 * (and the test still fails).
 */
export async function expectInViewport(locator: Locator, what = 'the next action'): Promise<void> {
  await expect(locator).toBeVisible();
  const viewport = locator.page().viewportSize();
  expect(viewport, 'the page has a fixed viewport').not.toBeNull();
  const box = await locator.boundingBox();
  expect(box, `${what} has a box`).not.toBeNull();
  const where = `${what} at x ${Math.round(box!.x)}..${Math.round(box!.x + box!.width)}, y ${Math.round(box!.y)}..${Math.round(box!.y + box!.height)} in ${viewport!.width}×${viewport!.height}`;
  const inside = box!.x >= 0 && box!.y >= 0 && box!.x + box!.width <= viewport!.width && box!.y + box!.height <= viewport!.height;
  expect.soft(inside, where).toBe(true);
  if (!inside) return;
  // Inside the window but clipped by a scrolled box (a dialog's body) or covered is not in view either: the page's top element at its centre is it.
  const centre = { x: box!.x + box!.width / 2, y: box!.y + box!.height / 2 };
  const onTop = await locator.evaluate((element, point) => {
    // Run in the page; e2e/ is type-checked for Node, which has no DOM types.
    const hit = (globalThis as unknown as { document: { elementFromPoint(x: number, y: number): unknown } }).document.elementFromPoint(point.x, point.y);
    return hit === element || (element as unknown as { contains(other: unknown): boolean }).contains(hit);
  }, centre);
  expect.soft(onTop, `${what} is covered or clipped at its centre (${Math.round(centre.x)}, ${Math.round(centre.y)})`).toBe(true);
}
