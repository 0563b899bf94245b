// Starts local-aws-sqs (SQS with the JSON protocol of AWSSDK.SQS 4) on 127.0.0.1 with an OS-assigned port and
// prints "LISTENING <port>". Exits when the parent test process is gone (stdin closes or its pid disappears).
// usage: node sqs-host.js <parent-pid>
'use strict';
const { createSqsServer } = require('local-aws-sqs');

const [parentPid] = process.argv.slice(2);
createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false }).then(
  (server) => {
    console.log(`LISTENING ${server.address().port}`);
    const stop = () => server.close(() => process.exit(0));
    process.stdin.on('end', stop);
    process.stdin.resume();
    process.on('SIGTERM', stop);
    setInterval(() => {
      try { process.kill(Number(parentPid), 0); } catch { stop(); }
    }, 1000).unref();
  },
  (err) => { console.error(err); process.exit(1); },
);
