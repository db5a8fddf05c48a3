import { type CSSProperties, useId, useState } from 'react';

interface CompareSliderProps {
  before: string;
  after: string;
  beforeAlt?: string;
  afterAlt?: string;
}

/**
 * The result over the original, cut at a movable line: the line is a native range input laid over
 * the pictures, so arrows, Page Up/Down, Home and End move it and screen readers announce it.
 */
export function CompareSlider({
  before,
  after,
  beforeAlt = 'Original',
  afterAlt = 'Result',
}: CompareSliderProps) {
  const [position, setPosition] = useState(50);
  const id = useId();
  return (
    <figure className="compare" aria-labelledby={`${id}-caption`}>
      <div className="compare-frame" style={{ '--position': `${position}%` } as CSSProperties}>
        <img className="compare-after" src={after} alt={afterAlt} />
        <img className="compare-before" src={before} alt={beforeAlt} />
        <div className="compare-line" aria-hidden="true" />
        <input
          className="compare-range"
          type="range"
          min={0}
          max={100}
          step={1}
          value={position}
          aria-label="Before and after: how much of the original to show"
          aria-valuetext={`${position}% original`}
          onChange={(event) => setPosition(Number(event.target.value))}
        />
      </div>
      <figcaption id={`${id}-caption`} className="compare-caption">
        <span>Original</span>
        <span>Result</span>
      </figcaption>
    </figure>
  );
}
