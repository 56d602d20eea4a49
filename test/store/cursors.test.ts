import { describe, expect, it } from 'vitest';
import { createStoreCursors, Store } from '../../src/store/index.js';

describe('createStoreCursors', () => {
  it('reads back what it wrote, overwrites, and keeps scopes apart', async () => {
    const store = await Store.memory();
    try {
      const cursors = createStoreCursors(store);
      const rejects = createStoreCursors(store, 'action=REJECT');
      expect(await cursors.get('cwl://g')).toBeUndefined();
      await cursors.set('cwl://g', '{"from":1,"to":2}');
      await cursors.set('cwl://g', '{"from":1,"to":3}');
      expect(await cursors.get('cwl://g')).toBe('{"from":1,"to":3}');
      expect(await rejects.get('cwl://g')).toBeUndefined();
      await rejects.set('cwl://g', 'x');
      expect(await cursors.get('cwl://g')).toBe('{"from":1,"to":3}');
      expect(Number(await store.scalar('SELECT count(*) FROM ingest_cursors'))).toBe(2);
    } finally {
      store.close();
    }
  });
});
