import { describe, expect, it } from 'vitest';
import { describeQueuePlace, ordinal, roughDuration } from './queue-place.ts';
import { currentStep } from './step-progress.ts';

const now = Date.parse('2030-01-01T12:00:00.000Z');
const inMs = (ms: number) => new Date(now + ms).toISOString();

describe('describeQueuePlace', () => {
  it('says the place as an ordinal, "next" for the first', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 103].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '103rd',
    ]);
    expect(describeQueuePlace({ position: 1 }, now)).toBe('Next in line.');
    expect(describeQueuePlace({ position: 3, estimatedStartAt: null }, now)).toBe('3rd in line.');
  });

  it('says what each estimate is about, rounded from now', () => {
    expect(
      describeQueuePlace(
        { position: 3, estimatedStartAt: inMs(41_000), estimatedFinishAt: inMs(95_000) },
        now,
      ),
    ).toBe('3rd in line: starts in about 40 s, done in about 2 min.');
    expect(describeQueuePlace({ position: 2, estimatedFinishAt: inMs(30_000) }, now)).toBe(
      '2nd in line: done in about 30 s.',
    );
    // Overdue estimates, and unreadable ones, do not count down below zero or show nonsense.
    expect(
      describeQueuePlace({ position: 1, estimatedStartAt: inMs(-5000), estimatedFinishAt: 'soon' }, now),
    ).toBe('Next in line: starts any moment now.');
  });

  it('rounds a wait so that its words change seldom', () => {
    expect(roughDuration(4000)).toBe('a few seconds');
    expect(roughDuration(44_000)).toBe('about 40 s');
    expect(roughDuration(46_000)).toBe('about 50 s');
    expect(roughDuration(3 * 60_000 + 20_000)).toBe('about 3 min');
    expect(roughDuration(80 * 60_000)).toBe('about 1 h 20 min');
    expect(roughDuration(119 * 60_000)).toBe('about 2 h');
  });
});

describe('currentStep', () => {
  it('derives the running step from the overall progress of a job of several steps', () => {
    expect(currentStep(0.5, 1)).toBeNull();
    expect(currentStep(null, 3)).toBe(1);
    expect(currentStep(0.2, 3)).toBe(1);
    // The server reports 1/3 the moment the first step ends.
    expect(currentStep(1 / 3, 3)).toBe(2);
    expect(currentStep(0.9, 3)).toBe(3);
    expect(currentStep(1, 3)).toBe(3);
  });
});
