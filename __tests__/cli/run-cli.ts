/** Runs the CLI in-process and captures what a user would see. */
import { Writable } from 'node:stream';
import { run } from '../../src/cli/main';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export async function runCli(...argv: string[]): Promise<CliOutcome> {
  const out = new Capture();
  const err = new Capture();
  const code = await run(argv, { out, err });
  return { code, stdout: out.text, stderr: err.text };
}
