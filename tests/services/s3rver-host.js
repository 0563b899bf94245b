// Starts s3rver on 127.0.0.1 with an OS-assigned port and prints "LISTENING <port>".
// Exits when the parent test process is gone (stdin closes or its pid disappears), so a
// crashed test host never leaves a server behind.
// usage: node s3rver-host.js <data-dir> <parent-pid>
'use strict';
const fs = require('fs');
const S3rver = require('s3rver');

const [directory, parentPid] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });

server.run().then(
  (address) => console.log(`LISTENING ${address.port}`),
  (err) => { console.error(err); process.exit(1); },
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const done = () => {
    try { fs.rmSync(directory, { recursive: true, force: true }); } catch { /* best effort */ }
    process.exit(0);
  };
  server.close().then(done, done);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
setInterval(() => {
  try { process.kill(Number(parentPid), 0); } catch { stop(); }
}, 1000).unref();
