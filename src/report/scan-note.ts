/** The line both renderers put above the details when images were checked from their config alone (--scan config). */
import type { Report } from './types';

export function scanConfigNote(report: Report): string | undefined {
  const configOnly = report.images.filter((img) => img.scan.mode === 'config');
  if (configOnly.length === 0) return undefined;
  const which = configOnly.length === report.images.length ? 'any image' : `${configOnly.length} of ${report.images.length} images`;
  return `files were not read (--scan config) for ${which}: libraries, packages and GPU code are not checked; verdicts rest on the image config (env, labels, NVIDIA_REQUIRE_*) alone`;
}
