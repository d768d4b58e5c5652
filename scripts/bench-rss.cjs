// Preloaded into each benchmarked node process (NODE_OPTIONS=--require): writes its peak RSS (KB) on exit.
const { writeFileSync } = require('node:fs');
if (process.env.BENCH_RSS_FILE) {
  process.on('exit', () => {
    try {
      writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
    } catch {
      /* measuring must never change the measured run's outcome */
    }
  });
}
