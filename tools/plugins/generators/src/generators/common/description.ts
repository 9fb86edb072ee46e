/** One line that is safe inside a TOML basic string, a Python docstring and a JSON string. */
export function sanitizeDescription(description: string): string {
  return description.replace(/["\\]/g, '').replace(/\s+/g, ' ').trim();
}
