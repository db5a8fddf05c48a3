import { describeUpscalingQuality } from '../../testing/quality.suite.ts';

// The default backend: native TensorFlow where its addon is built, else wasm (quality-wasm.test.ts).
describeUpscalingQuality('default backend');
