// Preloaded (NODE_OPTIONS=--require) into every node process of one `nx` command by bench/graph.sh:
// appends the process's CPU time (user + system, ms) to $GRAPH_BENCH_CPU_LOG when it exits, also
// when Nx ends a plugin worker with a signal, so that the bench can sum the command's CPU over the
// main process and every plugin worker. CPU time is the cost the plugins add; wall time on a shared
// 2-core machine also measures everyone else's load.
const { appendFileSync } = require('node:fs');

let written = false;
function write() {
  if (written) return;
  written = true;
  const { user, system } = process.cpuUsage();
  appendFileSync(process.env.GRAPH_BENCH_CPU_LOG, `${Math.round((user + system) / 1000)}\n`);
}
process.on('exit', write);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => {
    write();
    process.exit(128);
  });
}
