/**
 * Which step of a job runs, from its overall progress: the server reports step i (0-based) of n at
 * (i + its own fraction) / n, and i + 1 over n the moment step i ends. null for a one-step job.
 */
export function currentStep(progress: number | null, steps: number): number | null {
  if (steps <= 1) return null;
  const fraction = progress ?? 0;
  return Math.min(steps, Math.floor(fraction * steps + 1e-9) + 1);
}
