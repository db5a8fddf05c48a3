import type { ModelSizing } from '@pixelflow/converter-kit';
import type { MixedLayer } from './layers.ts';
import { DEFAULT_PARAMS, type DeepDreamParams, objectiveOf, PRESETS } from './params.ts';
import { FULL_MAX_PIXELS, PREVIEW_PIXELS, RESOLUTIONS, type Resolution } from './resolution.ts';

/**
 * Time of one gradient step per pixel, by the deepest layer the objective reaches (the backward
 * pass starts there), relative to mixed5 (`classic`): CPU seconds per step at 512×512 with 2 wasm
 * threads, bench/layers.bench.ts (CPU rather than wall time: other work on the machine stretched
 * wall times unevenly; mixed5 took 2.07 CPU seconds a step).
 */
export const LAYER_COST: Record<MixedLayer, number> = {
  mixed0: 0.47,
  mixed1: 0.56,
  mixed2: 0.7,
  mixed3: 0.79,
  mixed4: 0.88,
  mixed5: 1,
  mixed6: 1.09,
  mixed7: 1.24,
};

/** The params sizing reads, with the schema's defaults where absent. */
type Work = Pick<DeepDreamParams, 'layers' | 'octaves' | 'octaveScale' | 'steps'>;

/**
 * A dream's time per pixel of its largest octave, up to a constant: every step of every octave
 * costs in proportion to the octave's pixels (tiles keep the cost per pixel flat) and to the
 * depth of the objective.
 */
export function workPerPixel({ layers, octaves, octaveScale, steps }: Work): number {
  const objective = objectiveOf(layers);
  const depth = Math.max(...objective.map(({ layer }) => LAYER_COST[layer as MixedLayer] ?? 1));
  let octavePixels = 0;
  for (let octave = 0; octave < octaves; octave++) octavePixels += octaveScale ** (-2 * octave);
  return steps * octavePixels * depth;
}

/**
 * The work any dream may take: a default one at full resolution (2048×1280: 281 s on 2 busy
 * cores, see resolution.ts). Heavier params (more steps or octaves, deeper layers) dream at fewer
 * pixels so that they take no longer, since the conversion service stops a converter after 10
 * minutes; lighter ones are still held to FULL_MAX_PIXELS (memory). The heaviest params allowed
 * (50 steps, 6 octaves of 1.2, creatures) are about 8× the default: 0.33 MP even as a preview.
 */
const WORK_BUDGET = workPerPixel(DEFAULT_PARAMS) * FULL_MAX_PIXELS;

/** The params as the kit validated them, read defensively since sizing gets them untyped. */
function read(params: Record<string, unknown>): Work & { resolution: Resolution } {
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const layers = params.layers;
  return {
    layers:
      Array.isArray(layers) || (typeof layers === 'string' && layers in PRESETS)
        ? (layers as DeepDreamParams['layers'])
        : DEFAULT_PARAMS.layers,
    octaves: number(params.octaves, DEFAULT_PARAMS.octaves),
    octaveScale: number(params.octaveScale, DEFAULT_PARAMS.octaveScale),
    steps: number(params.steps, DEFAULT_PARAMS.steps),
    resolution: RESOLUTIONS.find((resolution) => resolution === params.resolution) ?? 'preview',
  };
}

/** The most pixels these params may dream at within the work budget. */
const withinBudget = (work: Work) => Math.floor(WORK_BUDGET / workPerPixel(work));

const size = ({ width, height }: { width: number; height: number }) => `${width}×${height}`;

/**
 * DeepDream's sizes: `preview` at most PREVIEW_PIXELS, `full` the image's own up to
 * FULL_MAX_PIXELS, and either within the work budget. The notice says which was used and what
 * the other choice would give.
 */
export const deepDreamSizing: ModelSizing = {
  maxPixels(_upload, params) {
    const work = read(params);
    const cap = work.resolution === 'full' ? FULL_MAX_PIXELS : PREVIEW_PIXELS;
    return Math.min(cap, withinBudget(work));
  },
  notice({ upload, working, params, fit }) {
    const work = read(params);
    const budget = withinBudget(work);
    const full = fit(Math.min(FULL_MAX_PIXELS, budget));
    const heavy = 'fewer steps or octaves, or shallower layers, allow a larger one';
    if (work.resolution === 'preview' && full.width > working.width) {
      return `DeepDream at preview size ${size(working)}; choose full resolution for ${size(full)}.`;
    }
    if (budget < FULL_MAX_PIXELS) {
      return `DeepDream at ${size(working)}, the largest these settings dream at here (the image is ${size(upload)}); ${heavy}.`;
    }
    return `DeepDream at ${size(working)}, the largest this installation dreams at; the image is ${size(upload)}.`;
  },
};
