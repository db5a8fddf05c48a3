import { MAX_STEPS } from '@pixelflow/product';
import { describe, expect, it } from 'vitest';
import { memoryStorage, useObjectUrls } from '../../../test/render-app.tsx';
import { EditorStore, MAX_UNDO } from './editor-store.ts';

const photo = (name: string) => new File([new Uint8Array(10)], name, { type: 'image/png' });
const run = { jobId: 'j1', converterId: 'blur', params: { sigma: 4 }, signedIn: false };
const converters = (store: EditorStore) => store.state.steps.map((step) => step.converterId);

describe('EditorStore: steps', () => {
  useObjectUrls();

  it('adds, opens, moves and removes steps, the open one staying open wherever it goes', () => {
    const store = new EditorStore(memoryStorage());
    store.setConverter('blur');
    store.addStep('flip');
    store.addStep('sharpen');
    expect(converters(store)).toEqual(['blur', 'flip', 'sharpen']);
    expect(store.state.current).toBe(2);

    store.moveStep(2, -1);
    expect(converters(store)).toEqual(['blur', 'sharpen', 'flip']);
    expect(store.currentStep.converterId).toBe('sharpen');
    store.openStep(0);
    store.moveStep(0, 1);
    expect(converters(store)).toEqual(['sharpen', 'blur', 'flip']);
    expect(store.state.current).toBe(1);
    // Past either end: nothing moves.
    store.moveStep(0, -1);
    store.moveStep(2, 1);
    expect(converters(store)).toEqual(['sharpen', 'blur', 'flip']);

    store.removeStep(1);
    expect(converters(store)).toEqual(['sharpen', 'flip']);
    expect(store.currentStep.converterId).toBe('sharpen');
    store.removeStep(0);
    store.removeStep(0);
    expect(converters(store)).toEqual(['flip']);
  });

  it('keeps each step’s settings per converter, and at most the steps a job runs', () => {
    const store = new EditorStore(memoryStorage());
    store.setConverter('blur');
    store.setValues('blur', { sigma: '4' });
    store.addStep('blur');
    store.setValues('blur', { sigma: '9' });
    store.setConverter('flip');
    store.setConverter('blur');
    expect(store.state.steps.map((step) => step.values.blur)).toEqual([{ sigma: '4' }, { sigma: '9' }]);
    while (store.state.steps.length < MAX_STEPS) store.addStep('flip');
    expect(store.addStep('flip')).toBeNull();
  });

  it('drops the run when a step’s converter changes, not when steps are added, moved or removed', () => {
    const store = new EditorStore(memoryStorage());
    store.setConverter('blur');
    store.startRun(run);
    store.addStep('flip');
    store.moveStep(1, -1);
    store.removeStep(0);
    expect(store.state.run?.jobId).toBe('j1');
    store.setConverter('sharpen');
    expect(store.state.run).toBeNull();
  });

  it('comes back after a reload with its steps, the open one, and the run’s steps and cancel token', () => {
    const storage = memoryStorage();
    const first = new EditorStore(storage);
    first.setConverter('blur');
    first.addStep('flip');
    first.openStep(0);
    first.startRun({ ...run, nextSteps: [{ converter: 'flip', params: {} }], cancelToken: 'tok' });
    const reloaded = new EditorStore(storage);
    expect(converters(reloaded)).toEqual(['blur', 'flip']);
    expect(reloaded.state.current).toBe(0);
    expect(reloaded.state.run).toMatchObject({
      nextSteps: [{ converter: 'flip', params: {} }],
      cancelToken: 'tok',
    });
  });
});

describe('EditorStore: applying a result, and Undo', () => {
  useObjectUrls();

  it('walks back to the previous result and then the original, each with its run, in memory', () => {
    const store = new EditorStore(memoryStorage());
    store.takeInput(photo('garden.png'));
    store.startRun(run);
    store.applyResult(photo('garden-blur.png'));
    expect(store.state).toMatchObject({ input: { file: { name: 'garden-blur.png' } }, run: null });
    store.startRun({ ...run, jobId: 'j2' });
    store.applyResult(photo('garden-blur-flip.png'));
    expect(store.state.history).toHaveLength(2);

    store.undo();
    expect(store.state).toMatchObject({ input: { file: { name: 'garden-blur.png' } }, run: { jobId: 'j2' } });
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:3');
    store.undo();
    expect(store.state).toMatchObject({ input: { url: 'blob:1' }, run: { jobId: 'j1' } });
    expect(store.state.history).toEqual([]);
    // Still shown or still undoable photos keep their URLs.
    expect(URL.revokeObjectURL).not.toHaveBeenCalledWith('blob:1');
    store.undo();
    expect(store.state.input?.url).toBe('blob:1');
  });

  it('forgets the history on a new photo, and keeps only the last few', () => {
    const store = new EditorStore(memoryStorage());
    store.takeInput(photo('a.png'));
    for (let i = 0; i < MAX_UNDO + 2; i++) store.applyResult(photo(`r${i}.png`));
    expect(store.state.history).toHaveLength(MAX_UNDO);
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:1');
    store.takeInput(photo('b.png'));
    expect(store.state.history).toEqual([]);
  });
});
