// A stock @aws-sdk/client-firehose client for the streaming tests (driven by tests/Dativo.Streaming.Tests).
// usage: node firehose-client.js '<json plan>'
//   plan.mode "stream": PutRecordBatch of records {"k":"p<i % partitions>","i":i} (i from 0 to total-1), `concurrency`
//     batches in flight; prints "ACK <first i> <count>" once a batch is acknowledged, "ERR <name>" when one fails.
//   plan.mode "calls": runs plan.calls ([{op, input, key?, secret?}]) one by one; prints one JSON line per call:
//     {"ok": response} or {"error": name, "status": http status, "message": ...}.
//   plan.apiKey: sent as X-Api-Key on every request (a `dativo serve` ingest key; the SDK still signs).
const { FirehoseClient, PutRecordCommand, PutRecordBatchCommand, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand } = require('@aws-sdk/client-firehose');

const plan = JSON.parse(process.argv[2]);
const client = (key, secret) => {
  const c = new FirehoseClient({
    endpoint: plan.endpoint, region: plan.region || 'us-east-1', maxAttempts: plan.maxAttempts || 3,
    credentials: { accessKeyId: key || plan.accessKeyId, secretAccessKey: secret || plan.secretAccessKey },
  });
  if (plan.apiKey) {
    c.middlewareStack.add((next) => (args) => { args.request.headers['x-api-key'] = plan.apiKey; return next(args); }, { step: 'build' });
  }
  return c;
};
const enc = new TextEncoder();
const record = (i) => JSON.stringify({ k: 'p' + (i % plan.partitions), i, pad: plan.pad || '' });

async function stream() {
  const c = client();
  let next = 0;
  async function worker() {
    while (next < plan.total) {
      const first = next;
      const count = Math.min(plan.batch, plan.total - first);
      next += count;
      const Records = [];
      for (let i = first; i < first + count; i++) Records.push({ Data: enc.encode(record(i)) });
      try {
        const r = await c.send(new PutRecordBatchCommand({ DeliveryStreamName: plan.stream, Records }));
        if (r.FailedPutCount !== 0) { console.log('ERR FailedPutCount'); continue; }
        console.log(`ACK ${first} ${count}`);
      } catch (e) {
        console.log(`ERR ${e.name}`);
        if (plan.stopOnError) process.exit(1);
      }
    }
  }
  await Promise.all(Array.from({ length: plan.concurrency || 4 }, worker));
  console.log('DONE');
}

async function calls() {
  const ops = {
    PutRecord: (i) => new PutRecordCommand({ DeliveryStreamName: i.stream, Record: { Data: data(i) } }),
    PutRecordBatch: (i) => new PutRecordBatchCommand({ DeliveryStreamName: i.stream, Records: Array.from({ length: i.count }, () => ({ Data: data(i) })) }),
    Describe: (i) => new DescribeDeliveryStreamCommand({ DeliveryStreamName: i.stream }),
    List: () => new ListDeliveryStreamsCommand({}),
  };
  for (const call of plan.calls) {
    try {
      const r = await client(call.key, call.secret).send(ops[call.op](call.input || {}));
      delete r.$metadata;
      console.log(JSON.stringify({ ok: r }));
    } catch (e) {
      console.log(JSON.stringify({ error: e.name, status: e.$metadata && e.$metadata.httpStatusCode, message: e.message }));
    }
  }
}
function data(i) { return i.size ? new Uint8Array(i.size).fill(120) : enc.encode(i.text || '{"k":"a"}'); }

(plan.mode === 'stream' ? stream() : calls()).catch((e) => { console.error(e); process.exit(2); });
