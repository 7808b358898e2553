import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { updateReadme } from './docs.ts';

describe('configuration reference', () => {
  it('the README embeds the reference generated from the settings list (run `npm run docs:config` if this fails)', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    expect(updateReadme(readme)).toBe(readme);
  });
});
