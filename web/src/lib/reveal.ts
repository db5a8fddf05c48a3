/**
 * Brings a region the page just filled into view and moves keyboard and screen-reader focus to
 * `focusTarget` (a heading with tabIndex=-1): the control that started it may be disabled or gone,
 * which would drop focus to the page's body. Scrolls at once for people who ask for less motion.
 */
export function bringIntoView(region: HTMLElement, focusTarget: HTMLElement): void {
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  // preventScroll: the focus jump would cut the smooth scroll short.
  focusTarget.focus({ preventScroll: true });
  region.scrollIntoView({ behavior: reduceMotion ? 'auto' : 'smooth', block: 'start' });
}
