import { useId } from 'react';
import { graphql } from '../../gql';
import type { ConvertersQuery } from '../../gql/graphql.ts';
import { limitNotes } from './limits/converter-limits.ts';

export const ConvertersDocument = graphql(`
  query Converters {
    converters {
      id
      title
      description
      params
      healthy
      maxPixels
      maxOutputPixels
      oversize
      cost
      jobsAtOnce {
        anonymous
        signedIn
      }
    }
  }
`);

export type Converter = ConvertersQuery['converters'][number];

/** "DeepDream (heavy, unavailable)": what matters before picking it, in the list itself. */
function optionLabel(converter: Converter): string {
  const tags = [converter.cost === 'HEAVY' ? 'heavy' : '', converter.healthy ? '' : 'unavailable'].filter(
    Boolean,
  );
  return tags.length > 0 ? `${converter.title} (${tags.join(', ')})` : converter.title;
}

interface ConverterPickerProps {
  converters: readonly Converter[];
  value: string | null;
  onChange(id: string): void;
  /** The heavy-converter note depends on it (more such jobs at once when signed in). */
  signedIn: boolean;
  /** Something the page says of this converter and the photo (it would refuse it). */
  problem?: string | null;
}

/**
 * The live list of converters; those that failed their last health check cannot be picked. The
 * chosen one's description and limits are read with the select (aria-describedby), before anyone
 * starts; the heavy ones say so in the list itself.
 */
export function ConverterPicker({ converters, value, onChange, signedIn, problem }: ConverterPickerProps) {
  const id = useId();
  const selected = converters.find((converter) => converter.id === value);
  const notes = selected ? limitNotes(selected, signedIn) : [];
  const describedBy = [
    selected ? `${id}-description` : '',
    notes.length > 0 ? `${id}-limits` : '',
    problem ? `${id}-problem` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>Converter</label>
      <select
        id={id}
        value={value ?? ''}
        aria-describedby={describedBy || undefined}
        onChange={(event) => onChange(event.target.value)}
      >
        {value === null && <option value="">Pick a converter…</option>}
        {converters.map((converter) => (
          <option key={converter.id} value={converter.id} disabled={!converter.healthy}>
            {optionLabel(converter)}
          </option>
        ))}
      </select>
      {selected && (
        <p className="hint converter-description" id={`${id}-description`}>
          {selected.description}
          {!selected.healthy && <strong> This converter is unavailable right now.</strong>}
        </p>
      )}
      {notes.length > 0 && (
        <ul className="hint converter-limits" id={`${id}-limits`} aria-label="Limits">
          {notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {problem && (
        <p className="error" role="alert" id={`${id}-problem`}>
          {problem}
        </p>
      )}
    </div>
  );
}
