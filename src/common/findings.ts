/** Something noticed while reading an image that is not evidence of a CUDA component (a limit hit, a disagreement). */
export interface Finding {
  code: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  layer?: string;
  path?: string;
}
