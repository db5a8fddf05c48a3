import { describeUpscalingQuality } from '../../testing/quality.suite.ts';

// The fallback where native TensorFlow cannot be built: its own test file, so its own thread (a
// thread picks its backend once).
describeUpscalingQuality('wasm', { candidates: ['wasm'] });
