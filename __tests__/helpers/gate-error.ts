import { GateError } from '../../src/common/errors';

/** The GateError `run` rejects with; fails the test when it resolves or throws anything else. */
export async function gateErrorOf(run: () => Promise<unknown>): Promise<GateError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(GateError);
    return err as GateError;
  }
  throw new Error('it did not fail');
}
