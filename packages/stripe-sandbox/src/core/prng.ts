/**
 * Seeded pseudo-random numbers. With a `seed`, every id, fault decision and shuffle
 * the sandbox makes is reproducible run after run; without one it draws from
 * crypto. sfc32 seeded through a string hash, so any seed string works.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
}

function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A generator from a seed (deterministic) or from crypto (when seed is undefined). */
export function createRandom(seed?: string | number): Random {
  const bytes = seed === undefined ? randomBytes(16) : createHash('sha256').update(String(seed)).digest();
  const next = sfc32(bytes.readUInt32LE(0), bytes.readUInt32LE(4), bytes.readUInt32LE(8), bytes.readUInt32LE(12));
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
  };
}

/** A child stream: the same parent seed and label always give the same stream. */
export function deriveSeed(seed: string | number | undefined, label: string): string | undefined {
  return seed === undefined ? undefined : `${seed}/${label}`;
}

/** Fisher-Yates shuffle in place with the given generator. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}
