/** Turns Redis' flat `[name, value, name, value, …]` replies (HGETALL in Lua, stream entries) into an object. */
export function fieldsFromFlat(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}
