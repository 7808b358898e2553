/** Derives a valid catalog key from free text (Stripe names, lookup keys). */
export function slugKey(text: string): string {
  const key = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 64);
  return key || 'item';
}
