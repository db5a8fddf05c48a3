import type { JsonSchema } from '@pixelflow/converter-kit';

/** The params object of a converter: only the named properties, each optional unless required. */
export function paramsSchema(
  properties: Record<string, JsonSchema> = {},
  extra: JsonSchema = {},
): JsonSchema {
  return { type: 'object', properties, additionalProperties: false, ...extra };
}

/** A CSS hex colour, optionally with alpha (`#rgb`, `#rrggbb`, `#rrggbbaa`). */
export function colourProperty(title: string, fallback: string): JsonSchema {
  return {
    type: 'string',
    title,
    description: 'Hex colour: #rgb, #rrggbb, or #rrggbbaa with alpha (alpha is lost in JPEG output).',
    pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$',
    default: fallback,
  };
}

export function numberProperty(
  title: string,
  description: string,
  { minimum, maximum, fallback }: { minimum: number; maximum: number; fallback: number },
): JsonSchema {
  return { type: 'number', title, description, minimum, maximum, default: fallback };
}
