// Starts dynalite (in-memory DynamoDB) on 127.0.0.1 with an OS-assigned port and prints "LISTENING <port>".
// Exits when the parent test process is gone (stdin closes or its pid disappears).
// usage: node dynalite-host.js <parent-pid>
'use strict';
const dynalite = require('dynalite');

const [parentPid] = process.argv.slice(2);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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
