import { useId } from 'react';
import { graphql } from '../../gql';
import type { ConvertersQuery } from '../../gql/graphql.ts';

export const ConvertersDocument = graphql(`
  query Converters {
    converters {
      id
      title
      description
      params
      healthy
    }
  }
`);

export type Converter = ConvertersQuery['converters'][number];

interface ConverterPickerProps {
  converters: readonly Converter[];
  value: string | null;
  onChange(id: string): void;
}

/** The live list of converters; those that failed their last health check cannot be picked. */
export function ConverterPicker({ converters, value, onChange }: ConverterPickerProps) {
  const id = useId();
  const selected = converters.find((converter) => converter.id === value);
  return (
    <div className="field">
      <label htmlFor={id}>Converter</label>
      <select
        id={id}
        value={value ?? ''}
        aria-describedby={selected ? `${id}-description` : undefined}
        onChange={(event) => onChange(event.target.value)}
      >
        {value === null && <option value="">Pick a converter…</option>}
        {converters.map((converter) => (
          <option key={converter.id} value={converter.id} disabled={!converter.healthy}>
            {converter.title}
            {converter.healthy ? '' : ' (unavailable)'}
          </option>
        ))}
      </select>
      {selected && (
        <p className="hint converter-description" id={`${id}-description`}>
          {selected.description}
          {!selected.healthy && <strong> This converter is unavailable right now.</strong>}
        </p>
      )}
    </div>
  );
}
