import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One layer of a Keras (2.x) functional model, as model.json describes it. */
export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** Per call of the layer: its inputs as `[layerName, nodeIndex, tensorIndex, kwargs]`. */
  inbound_nodes: [string, number, number, unknown][][];
}

/** A weight of the model, dequantised to float32. */
export interface Weight {
  shape: number[];
  values: Float32Array;
}

export interface InceptionFiles {
  layers: KerasLayer[];
  /** A weight by Keras name (`conv2d_1/kernel`, `batch_normalization_1/moving_mean`), dequantised on demand. */
  weight(name: string): Weight;
  /** The raw model artifacts, to load the original Keras model with (the tests compare against it). */
  artifacts(): { modelTopology: unknown; weightSpecs: WeightSpec[]; weightData: ArrayBuffer };
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

interface ModelJson {
  modelTopology: { model_config: { config: { layers: KerasLayer[] } } };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/**
 * The folder of nsfwjs's InceptionV3 files: nsfwjs's own loaders (dist/{esm,cjs}/model_imports)
 * import `../../models/inception_v3/*.min.js` relative to themselves; this is the same folder.
 */
function modelFolder(): URL {
  const loader = createRequire(import.meta.url).resolve('nsfwjs/models/inception_v3');
  return new URL('../../models/inception_v3/', pathToFileURL(loader));
}

/**
 * Evaluates one of nsfwjs's browserify bundles (`model.min.js` exports the model.json object,
 * each `group1-shardNofM.min.js` a base64 string) as the CommonJS module it is, the way nsfwjs's
 * `import()` of it does in Node, but without keeping the ~30 MB of source alive in the module
 * cache for the life of the process.
 */
async function evaluateBundle(url: URL): Promise<unknown> {
  const source = await readFile(fileURLToPath(url), 'utf8');
  const module: { exports: unknown } = { exports: {} };
  new Function('module', 'exports', source)(module, module.exports);
  return module.exports;
}

function dequantise(spec: WeightSpec, bytes: Uint8Array): Float32Array {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.dtype !== 'float32') throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
  const q = spec.quantization;
  if (!q) return new Float32Array(bytes.slice(0, count * 4).buffer);
  const { min = 0, scale = 1 } = q;
  const source =
    q.dtype === 'uint8'
      ? bytes.subarray(0, count)
      : q.dtype === 'uint16'
        ? new Uint16Array(bytes.slice(0, count * 2).buffer)
        : undefined;
  if (!source) throw new Error(`weight ${spec.name}: unsupported quantization ${q.dtype}`);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = source[i]! * scale + min;
  return values;
}

function byteLength(spec: WeightSpec): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  return count * (dtype === 'uint8' ? 1 : dtype === 'uint16' || dtype === 'float16' ? 2 : 4);
}

/**
 * Loads InceptionV3 (Keras, ImageNet features under nsfwjs's classifier head) from the installed
 * nsfwjs package: no network.
 */
export async function loadInceptionFiles(): Promise<InceptionFiles> {
  const folder = modelFolder();
  const model = (await evaluateBundle(new URL('model.min.js', folder))) as ModelJson;
  const specs = model.weightsManifest.flatMap((group) => group.weights);
  const shards: Buffer[] = [];
  for (const path of model.weightsManifest.flatMap((group) => group.paths)) {
    shards.push(Buffer.from((await evaluateBundle(new URL(`${path}.min.js`, folder))) as string, 'base64'));
  }
  const data = Buffer.concat(shards);
  const offsets = new Map<string, { spec: WeightSpec; offset: number }>();
  let offset = 0;
  for (const spec of specs) {
    offsets.set(spec.name, { spec, offset });
    offset += byteLength(spec);
  }
  if (offset !== data.length)
    throw new Error(`nsfwjs InceptionV3: ${data.length} bytes of weights, ${offset} expected`);
  return {
    layers: model.modelTopology.model_config.config.layers,
    weight(name) {
      const entry = offsets.get(name);
      if (!entry) throw new Error(`nsfwjs InceptionV3 has no weight ${name}`);
      const { spec, offset } = entry;
      return {
        shape: spec.shape,
        values: dequantise(spec, data.subarray(offset, offset + byteLength(spec))),
      };
    },
    artifacts: () => ({
      modelTopology: model.modelTopology,
      weightSpecs: specs,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer,
    }),
  };
}
