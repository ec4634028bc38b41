// The bodies each API process keeps of the catalog cache: within their byte budget however many
// are stored, the ones read keep their place, and a body kept never holds on to a larger buffer.
import { describe, expect, it } from 'vitest';
import { localBodies } from '../src/catalog-cache/cache.ts';

const body = (size: number, fill: number) => Buffer.alloc(size, fill);

describe('the bodies kept in the process', () => {
  it('stay within the byte budget however many are stored', () => {
    const bodies = localBodies(64 * 1024);
    // sizes up to the largest kept (a sixteenth of the budget), so an overshoot would show
    const sizes = [4000, 1000, 3000];
    for (let index = 0; index < 2000; index++) {
      bodies.set(`key:${index}`, body(sizes[index % 3]!, index % 256));
      expect(bodies.bytes()).toBeLessThanOrEqual(64 * 1024);
    }
    expect(bodies.get('key:1999')).toEqual(body(sizes[1999 % 3]!, 1999 % 256));
    expect(bodies.get('key:0')).toBeUndefined();
  });

  it('keep a body that is read while others come and go', () => {
    const bodies = localBodies(64 * 1024);
    const hot = body(1000, 7);
    bodies.set('hot', hot);
    for (let index = 0; index < 2000; index++) {
      bodies.set(`cold:${index}`, body(1000, 1));
      expect(bodies.get('hot')?.equals(hot)).toBe(true);
    }
    expect(bodies.get('cold:0')).toBeUndefined();
  });

  it('keep their own copy: not the buffer a body was a slice of', () => {
    const bodies = localBodies(64 * 1024);
    const chunk = body(16 * 1024, 3);
    bodies.set('slice', chunk.subarray(100, 300));
    chunk.fill(9);
    const kept = bodies.get('slice')!;
    expect(kept).toEqual(body(200, 3));
    expect(kept.buffer.byteLength).toBe(200);
  });

  it('leave out a body larger than a sixteenth of the budget, and forget everything on clear', () => {
    const bodies = localBodies(64 * 1024);
    bodies.set('large', body(5000, 1));
    expect(bodies.get('large')).toBeUndefined();
    bodies.set('small', body(100, 1));
    bodies.clear();
    expect(bodies.get('small')).toBeUndefined();
    expect(bodies.bytes()).toBe(0);
  });
});
