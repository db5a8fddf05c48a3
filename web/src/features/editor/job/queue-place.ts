import type { QueuePlace } from './job-machine.ts';

const ordinals = new Intl.PluralRules('en', { type: 'ordinal' });
const suffixes: Record<string, string> = { one: 'st', two: 'nd', few: 'rd', other: 'th' };

/** 1st, 2nd, 3rd, 4th, 11th, 21st… */
export function ordinal(n: number): string {
  return `${n}${suffixes[ordinals.select(n)] ?? 'th'}`;
}

/**
 * A wait as people say it, rounded so that the words change seldom (the status that shows them
 * is read out on every change): "a few seconds", "about 40 s", "about 3 min", "about 1 h 20 min".
 */
export function roughDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 10) return 'a few seconds';
  if (seconds < 90) return `about ${Math.round(seconds / 10) * 10} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const fives = Math.round(minutes / 5) * 5;
  const rest = fives % 60;
  return `about ${Math.floor(fives / 60)} h${rest === 0 ? '' : ` ${rest} min`}`;
}

/** From now to an ISO time: "in about 40 s", or "any moment now" once it is due; null if unreadable. */
function until(at: string | null | undefined, now: number): string | null {
  const time = at ? Date.parse(at) : Number.NaN;
  if (Number.isNaN(time)) return null;
  const left = time - now;
  return left <= 0 ? 'any moment now' : `in ${roughDuration(left)}`;
}

/**
 * "3rd in line: starts in about 40 s, done in about 1 min." Each estimate says what it is
 * about (the start, or the end of the conversion); without estimates (the installation has not
 * timed this converter yet) only the place.
 */
export function describeQueuePlace(place: QueuePlace, now: number = Date.now()): string {
  const where = place.position <= 1 ? 'Next in line' : `${ordinal(place.position)} in line`;
  const starts = until(place.estimatedStartAt, now);
  const done = until(place.estimatedFinishAt, now);
  const estimates = [starts && `starts ${starts}`, done && `done ${done}`].filter(Boolean);
  return estimates.length === 0 ? `${where}.` : `${where}: ${estimates.join(', ')}.`;
}
