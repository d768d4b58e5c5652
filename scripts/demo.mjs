// `npm run demo`: checks the bundled example image archive against the example targets with the bundled CLI.
// The example fails one target on purpose (a CUDA 12.4 image on an R470 edge host), so exit code 1 is expected.
import { spawnSync } from 'node:child_process';

const args = ['dist/cli.js', 'check', 'docker-archive:examples/images/cuda12.4-app.tar', '--targets', 'examples/cuda-targets.yml', ...process.argv.slice(2)];
console.log(`$ node ${args.join(' ')}\n`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (r.status === 1) console.log('\n(exit code 1: the gate failed — as intended for this example: see edge-t4)');
process.exit(r.status === 0 || r.status === 1 ? 0 : (r.status ?? 2));
