// Starts kinesalite (Kinesis, in memory: memdown) on 127.0.0.1 with an OS-assigned port and prints "LISTENING <port>".
// Streams become ACTIVE at once and resharding applies at once. Exits when the parent test process is gone.
// usage: node kinesalite-host.js <parent-pid>
'use strict';
const kinesalite = require('kinesalite');

const [parentPid] = process.argv.slice(2);
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
server.listen(0, '127.0.0.1', (err) => {
  if (err) { console.error(err); process.exit(1); }
  console.log(`LISTENING ${server.address().port}`);
});

const stop = () => server.close(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
setInterval(() => {
  try { process.kill(Number(parentPid), 0); } catch { stop(); }
}, 1000).unref();
