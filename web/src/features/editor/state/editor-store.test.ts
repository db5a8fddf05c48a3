import { describe, expect, it } from 'vitest';
import { memoryStorage, useObjectUrls } from '../../../test/render-app.tsx';
import { EditorStore } from './editor-store.ts';
import { EDITOR_KEY, MAX_KEPT_PHOTO_BYTES, PHOTO_KEY } from './stored-editor.ts';

const photo = (bytes: number, name = 'garden.png') =>
  new File([Uint8Array.from({ length: bytes }, (_, i) => i % 251)], name, { type: 'image/png' });

const run = { jobId: 'j1', converterId: 'blur', params: { sigma: 4 }, signedIn: false };

describe('EditorStore', () => {
  useObjectUrls();

  it('comes back from the tab’s storage: steps, settings, run and a photo that fits', async () => {
    const storage = memoryStorage();
    const first = new EditorStore(storage);
    first.takeInput(photo(3000));
    first.setConverter('blur');
    first.setValues('blur', { sigma: '4' });
    first.startRun(run);
    first.noteExpiry('j1', '2030-01-01T14:32:00.000Z');
    await first.photoSaved;

    const reloaded = new EditorStore(storage);
    expect(reloaded.state).toMatchObject({
      steps: [{ converterId: 'blur', values: { blur: { sigma: '4' } } }],
      current: 0,
      run: { ...run, expiresAt: '2030-01-01T14:32:00.000Z', expired: false },
    });
    const file = reloaded.state.input!.file;
    expect([file.name, file.type, file.size]).toEqual(['garden.png', 'image/png', 3000]);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array(await photo(3000).arrayBuffer()));
  });

  it('keeps no photo too large for sessionStorage, and forgets the previous one', async () => {
    const storage = memoryStorage();
    const store = new EditorStore(storage);
    store.takeInput(photo(10));
    await store.photoSaved;
    expect(storage.items.has(PHOTO_KEY)).toBe(true);
    store.takeInput(photo(MAX_KEPT_PHOTO_BYTES + 1, 'big.png'));
    await store.photoSaved;
    expect(storage.items.has(PHOTO_KEY)).toBe(false);
    expect(new EditorStore(storage).state.input).toBeNull();
  });

  it('does not let a slow write of a replaced photo win over the photo on screen', async () => {
    const storage = memoryStorage();
    const store = new EditorStore(storage);
    store.takeInput(photo(10, 'first.png'));
    const first = store.photoSaved;
    store.takeInput(photo(MAX_KEPT_PHOTO_BYTES + 1, 'second.png'));
    await Promise.all([first, store.photoSaved]);
    expect(storage.items.has(PHOTO_KEY)).toBe(false);
  });

  it('drops the last run when the photo or the converter changes, not when the same one is picked', () => {
    const store = new EditorStore(memoryStorage());
    store.takeInput(photo(10));
    store.setConverter('blur');
    store.startRun(run);
    store.setConverter('blur');
    expect(store.state.run?.jobId).toBe('j1');
    store.setConverter('flip');
    expect(store.state.run).toBeNull();

    store.startRun({ ...run, converterId: 'flip' });
    store.takeInput(photo(20));
    expect(store.state.run).toBeNull();
    // The previous preview's object URL is let go.
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:1');
  });

  it('keeps the run when only the photo goes (a kept one that no longer decodes)', () => {
    const store = new EditorStore(memoryStorage());
    store.takeInput(photo(10));
    store.startRun(run);
    store.clearInput();
    expect(store.state).toMatchObject({ input: null, run: { jobId: 'j1' } });
  });

  it('marks only the run it was told about as expired', () => {
    const store = new EditorStore(memoryStorage());
    store.startRun(run);
    store.markExpired('another');
    expect(store.state.run?.expired).toBe(false);
    store.markExpired('j1');
    expect(store.state.run?.expired).toBe(true);
  });

  it('forgets everything on clear(), in storage too', async () => {
    const storage = memoryStorage();
    const store = new EditorStore(storage);
    store.takeInput(photo(10));
    store.setConverter('blur');
    store.startRun(run);
    store.clear();
    await store.photoSaved;
    expect(store.state).toMatchObject({ input: null, steps: [{ converterId: null, values: {} }], run: null });
    expect(store.state.steps).toHaveLength(1);
    expect(new EditorStore(storage).state).toMatchObject({
      input: null,
      steps: [{ converterId: null }],
      run: null,
    });
  });

  it('starts empty from storage it cannot read, and works on when storage refuses writes', () => {
    const storage = memoryStorage();
    storage.setItem(EDITOR_KEY, '{not json');
    storage.setItem(PHOTO_KEY, JSON.stringify({ name: 'x.png', type: 'image/png', base64: '%%%' }));
    expect(new EditorStore(storage).state).toMatchObject({
      input: null,
      steps: [{ converterId: null, values: {} }],
      run: null,
    });

    const full = {
      ...memoryStorage(),
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    const store = new EditorStore(full);
    store.setConverter('blur');
    expect(store.state.steps[0]?.converterId).toBe('blur');
    expect(new EditorStore(null).state.run).toBeNull();
  });

  it('reads back only well-formed settings and runs, from the shape before steps too', () => {
    const storage = memoryStorage();
    storage.setItem(
      EDITOR_KEY,
      JSON.stringify({
        converterId: 7,
        values: {
          blur: { sigma: '4', bad: 12, preset: { mode: 'preset', preset: 'a', json: '[]' } },
          x: 'no',
        },
        run: { jobId: 'j1', converterId: 'blur' },
      }),
    );
    expect(new EditorStore(storage).state).toMatchObject({
      steps: [
        {
          converterId: null,
          values: { blur: { sigma: '4', preset: { mode: 'preset', preset: 'a', json: '[]' } } },
        },
      ],
      run: null,
    });
  });
});
