// A stock @aws-sdk/client-kinesis producer for the streaming tests, with KPL aggregation by aws-kinesis-agg.
// usage: node kinesis-client.js '<json plan>'
//   plan.mode "aggregate": prints the base64 of the aggregated record aws-kinesis-agg builds from plan.records
//     ([{key, data}], data as UTF-8 text, explicitHashKey optional).
//   plan.mode "put": creates plan.stream with plan.createShards shards when set (and waits until ACTIVE), then puts
//     plan.records ([{key, data}]) one PutRecords call, and each of plan.aggregates ([[{key, data}], ...]) as one
//     KPL-aggregated record; prints one JSON line per Kinesis record: {"shard": ShardId, "users": user records in it}.
const { KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand } = require('@aws-sdk/client-kinesis');
const { NodeHttpHandler } = require('@smithy/node-http-handler');
const { RecordAggregator } = require('aws-kinesis-agg');

const plan = JSON.parse(process.argv[2]);

function aggregate(records) {
  const aggregator = new RecordAggregator();
  for (const r of records) {
    const user = { partitionKey: r.key, data: Buffer.from(r.data, 'utf8') };
    if (r.explicitHashKey) user.explicitHashKey = r.explicitHashKey;
    aggregator.addUserRecord(user);
  }
  return aggregator.build();
}

async function put() {
  const client = new KinesisClient({
    endpoint: plan.endpoint, region: plan.region || 'us-east-1', maxAttempts: 3,
    requestHandler: new NodeHttpHandler(), // the Kinesis client's default is HTTP/2; kinesalite speaks HTTP/1.1
    credentials: { accessKeyId: plan.accessKeyId, secretAccessKey: plan.secretAccessKey },
  });
  if (plan.createShards) {
    await client.send(new CreateStreamCommand({ StreamName: plan.stream, ShardCount: plan.createShards }));
    for (let i = 0; ; i++) {
      const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: plan.stream }));
      if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
      if (i > 200) throw new Error(`stream ${plan.stream} did not become ACTIVE`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const entries = [];
  for (const r of plan.records || []) entries.push({ entry: { PartitionKey: r.key, Data: Buffer.from(r.data, 'utf8') }, users: 1 });
  for (const group of plan.aggregates || []) {
    const encoded = aggregate(group);
    entries.push({ entry: { PartitionKey: encoded.partitionKey, Data: encoded.data }, users: group.length });
  }
  for (let start = 0; start < entries.length; start += 500) {
    const chunk = entries.slice(start, start + 500);
    const answer = await client.send(new PutRecordsCommand({ StreamName: plan.stream, Records: chunk.map((c) => c.entry) }));
    if (answer.FailedRecordCount) throw new Error(`${answer.FailedRecordCount} records failed`);
    answer.Records.forEach((r, i) => console.log(JSON.stringify({ shard: r.ShardId, users: chunk[i].users })));
  }
}

if (plan.mode === 'aggregate') {
  console.log(aggregate(plan.records).data.toString('base64'));
} else {
  put().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
}
